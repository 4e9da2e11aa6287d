using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Verification;

/// <summary>Queues a re-verification as a background job. The web app implements it with Hangfire.</summary>
public interface IReverificationScheduler
{
    void EnqueueReverify(long runId, double? relativeTolerance, string? judge);
}

/// <summary>
/// The one way to ask for a re-verification, for the API and the run page alike: checks the run exists and its status
/// allows it (<see cref="RunStateRules"/>), validates tolerance and judge, audits who asked, then schedules the job.
/// </summary>
public sealed class ReverificationService(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    SynthesizerCatalog catalog,
    AuditLog audit,
    IReverificationScheduler scheduler)
{
    /// <summary>
    /// <paramref name="relativeTolerance"/> null keeps the run's own; <paramref name="judge"/> null keeps the run's judge, empty turns it off.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such run.</exception>
    /// <exception cref="RunStateException">The run's status does not allow a re-verification.</exception>
    /// <exception cref="RunValidationException">Tolerance out of range or an unknown judge.</exception>
    public async Task RequestAsync(long runId, double? relativeTolerance, string? judge, string? actor, CancellationToken ct = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var status = await db.Runs.Where(r => r.Id == runId).Select(r => (RunStatus?)r.Status).FirstOrDefaultAsync(ct)
                ?? throw new KeyNotFoundException($"No run with id {runId}.");
            if (!RunStateRules.Allows(RunAction.Reverify, status))
            {
                throw new RunStateException(runId, RunAction.Reverify, status);
            }
        }
        if (relativeTolerance is < 0 or > 0.5)
        {
            throw new RunValidationException("relativeTolerance", "Relative tolerance must be between 0 and 0.5.");
        }
        var judgeName = judge?.Trim();
        if (!string.IsNullOrEmpty(judgeName) && await catalog.FindAsync(judgeName, ct) is null)
        {
            throw new RunValidationException("judge", $"No synthesizer named '{judgeName}' to act as judge.");
        }
        await audit.WriteAsync(actor ?? "system", "run.reverify-requested", $"run:{runId}",
            after: new { RelativeTolerance = relativeTolerance, judge = judgeName }, ct: ct);
        scheduler.EnqueueReverify(runId, relativeTolerance, judgeName);
    }
}
