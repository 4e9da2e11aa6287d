using DeepFinance.Core.Data;

namespace DeepFinance.Core.Runs;

/// <summary>What an operator may do to a run in each status.</summary>
public enum RunAction { Cancel, Resume, Reverify, Pause }

/// <summary>
/// The one transition table for run states. RunService's SQL guards, the API's 409 answers and the run
/// page's buttons all read it, so they cannot disagree.
/// </summary>
/// <remarks>
/// A paused run may be cancelled or resumed, but not re-verified: its items are still pending, so a
/// re-verification would judge a partial run and then race the resumed workers rewriting the same verdicts.
/// </remarks>
public static class RunStateRules
{
    public static readonly IReadOnlyList<RunStatus> Cancellable = [RunStatus.Queued, RunStatus.Running, RunStatus.Paused];

    public static readonly IReadOnlyList<RunStatus> Resumable = [RunStatus.Cancelled, RunStatus.Failed, RunStatus.Paused];

    public static readonly IReadOnlyList<RunStatus> Reverifiable = [RunStatus.Completed, RunStatus.Cancelled, RunStatus.Failed];

    public static readonly IReadOnlyList<RunStatus> Pausable = [RunStatus.Queued, RunStatus.Running];

    /// <summary>Statuses in which workers are (or soon will be) changing the run.</summary>
    public static readonly IReadOnlyList<RunStatus> Active = [RunStatus.Queued, RunStatus.Running];

    public static IReadOnlyList<RunStatus> AllowedFrom(RunAction action) => action switch
    {
        RunAction.Cancel => Cancellable,
        RunAction.Resume => Resumable,
        RunAction.Reverify => Reverifiable,
        RunAction.Pause => Pausable,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown run action."),
    };

    public static bool Allows(RunAction action, RunStatus status) => AllowedFrom(action).Contains(status);

    public static bool IsActive(RunStatus status) => Active.Contains(status);

    /// <summary>Why <paramref name="action"/> is refused for a run in <paramref name="status"/>; what the API answers with 409.</summary>
    public static string Refusal(long runId, RunAction action, RunStatus status) =>
        $"Run {runId} is {Name(status)}; {Verb(action)} applies only to a run that is {string.Join(" or ", AllowedFrom(action).Select(Name))}.";

    private static string Verb(RunAction action) => action switch
    {
        RunAction.Cancel => "cancel",
        RunAction.Resume => "resume",
        RunAction.Reverify => "re-verification",
        _ => "pause",
    };

    private static string Name(RunStatus status) => status.ToString().ToLowerInvariant();
}

/// <summary>An operator asked for something the run's status does not allow.</summary>
public sealed class RunStateException(long runId, RunAction action, RunStatus status)
    : InvalidOperationException(RunStateRules.Refusal(runId, action, status))
{
    public long RunId { get; } = runId;

    public RunAction Action { get; } = action;

    public RunStatus Status { get; } = status;
}
