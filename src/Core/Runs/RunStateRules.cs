using DeepFinance.Core.Data;

namespace DeepFinance.Core.Runs;

/// <summary>
/// The one table of run-state transitions. The SQL guards, the API and the UI all ask here, so a button
/// is shown exactly when the server would accept its request.
/// </summary>
public static class RunStateRules
{
    /// <summary>Stopping for good: anything not yet finished.</summary>
    public static readonly RunStatus[] Cancellable = [RunStatus.Queued, RunStatus.Running, RunStatus.Paused];

    /// <summary>Taking up again: pending and failed items are tried, done ones are never sent again.</summary>
    public static readonly RunStatus[] Resumable = [RunStatus.Paused, RunStatus.Cancelled, RunStatus.Failed];

    /// <summary>The engine pauses a running run whose synthesizer stopped answering.</summary>
    public static readonly RunStatus[] Pausable = [RunStatus.Running];

    /// <summary>Re-verifying rewrites verdicts, so only a run whose traces no longer change.</summary>
    public static readonly RunStatus[] Reverifiable = [RunStatus.Completed, RunStatus.Cancelled, RunStatus.Failed];

    public static bool CanCancel(RunStatus status) => Cancellable.Contains(status);

    public static bool CanResume(RunStatus status) => Resumable.Contains(status);

    public static bool CanReverify(RunStatus status) => Reverifiable.Contains(status);

    public static bool IsFinal(RunStatus status) => status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled;
}
