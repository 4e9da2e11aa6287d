using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using Hangfire;

namespace DeepFinance.Web.Jobs;

/// <summary>Thin Hangfire adapters: ids in, a Core service does the work.</summary>
public sealed class RunJobs(RunExecutor executor, Reverifier reverifier)
{
    public const string Queue = "runs";

    // Preparation is idempotent but a failure is recorded on the run; retrying blindly would hide it.
    [AutomaticRetry(Attempts = 0)]
    [Queue(Queue)]
    public Task PrepareAsync(long runId, CancellationToken ct) => executor.PrepareAsync(runId, ct);

    // A partition that throws (database hiccup) is retried; items already committed are skipped.
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 15, 60])]
    [Queue(Queue)]
    public Task PartitionAsync(long runId, int partition, CancellationToken ct) => executor.ProcessPartitionAsync(runId, partition, ct);

    // Re-verification rewrites verdicts page by page and is safe to run again, but a failure should be seen, not retried.
    [AutomaticRetry(Attempts = 0)]
    [Queue(Queue)]
    public Task ReverifyAsync(long runId, double? tolerance, string? judge, CancellationToken ct) =>
        reverifier.ReverifyAsync(runId, tolerance, judge, null, ct);


    [AutomaticRetry(Attempts = 0)]
    [Queue("default")]
    [DisableConcurrentExecution(timeoutInSeconds: 30)]
    public Task ReapLeasesAsync(CancellationToken ct) => executor.ReapExpiredLeasesAsync(ct);
}

public sealed class HangfireRunScheduler(IBackgroundJobClient jobs) : IRunScheduler, IReverificationScheduler
{
    public void EnqueueReverify(long runId, double? relativeTolerance, string? judge) =>
        jobs.Enqueue<RunJobs>(j => j.ReverifyAsync(runId, relativeTolerance, judge, CancellationToken.None));

    public void EnqueuePrepare(long runId) => jobs.Enqueue<RunJobs>(j => j.PrepareAsync(runId, CancellationToken.None));

    public void EnqueuePartition(long runId, int partition) => jobs.Enqueue<RunJobs>(j => j.PartitionAsync(runId, partition, CancellationToken.None));
}
