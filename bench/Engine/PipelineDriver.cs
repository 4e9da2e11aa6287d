using System.Diagnostics;
using System.Threading.Channels;
using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Bench.Engine;

// Every call into the run engine (RunService, RunExecutor, RunSpec, IRunScheduler, TraceQueries) lives in
// this file, so an engine change touches the harness here and nowhere else.

/// <summary>How a pipeline run ended, as the engine's own counters say.</summary>
internal sealed record PipelineOutcome(long RunId, string Status, int Done, int Failed, int Attempts, TimeSpan Running, string? Error);

/// <summary>One timed trace-grid query.</summary>
internal sealed record GridTiming(string Label, int Page, int Rows, int Total, double Milliseconds);

internal static class PipelineDriver
{
    /// <summary>
    /// The engine's host side, as the web app has it: a fixed number of background workers (Hangfire's
    /// worker count there) taking prepare and partition jobs in order.
    /// </summary>
    public static IServiceCollection AddInProcessRunScheduler(this IServiceCollection services, int workers) => services
        .AddSingleton(sp => new WorkerPoolScheduler(sp, workers))
        .AddSingleton<IRunScheduler>(sp => sp.GetRequiredService<WorkerPoolScheduler>());

    /// <summary>Launches a q2a run (k=1) over the seed source and waits until every job it caused has ended.</summary>
    public static async Task<PipelineOutcome> RunQ2aAsync(IServiceProvider services, long seedSourceId, string synthesizer, CancellationToken ct)
    {
        var runs = services.GetRequiredService<RunService>();
        var scheduler = services.GetRequiredService<WorkerPoolScheduler>();
        var runId = await runs.LaunchAsync(new RunSpec(RunKind.Q2a, seedSourceId, synthesizer, SamplesPerQuestion: 1), "bench", ct);
        await scheduler.IdleAsync(ct);
        var run = await runs.GetAsync(runId, ct) ?? throw new InvalidOperationException($"run {runId} vanished");
        var running = run.StartedAt is { } s && run.FinishedAt is { } f ? f - s : TimeSpan.Zero;
        return new PipelineOutcome(runId, run.Status.ToString(), run.Done, run.Failed, run.Attempts, running,
            run.Error ?? (scheduler.JobErrors > 0 ? $"{scheduler.JobErrors} job(s) threw; first: {scheduler.FirstJobError}" : null));
    }

    /// <summary>The grid's first and last pages (50 rows, as the page shows), unfiltered by id and filtered by verdict sorted by latency.</summary>
    public static async Task<IReadOnlyList<GridTiming>> TimeTraceGridAsync(IServiceProvider services, long runId, CancellationToken ct)
    {
        var queries = services.GetRequiredService<TraceQueries>();
        const int size = 50;
        var results = new List<GridTiming>();
        var shapes = new (string Label, TraceQuery Query)[]
        {
            ("unfiltered, by id", new TraceQuery(RunId: runId, PageSize: size)),
            ("verdict=correct, by latency desc", new TraceQuery(RunId: runId, Verdict: Verdict.Correct, SortBy: "latency", Descending: true, PageSize: size)),
        };
        foreach (var (label, query) in shapes)
        {
            // Warm the connection pool and the statement cache once, as a page already open would have.
            var first = await queries.QueryAsync(query, ct);
            var lastPage = Math.Max(1, (first.Total + size - 1) / size);
            foreach (var page in new[] { 1, lastPage })
            {
                var clock = Stopwatch.StartNew();
                var result = await queries.QueryAsync(query with { Page = page }, ct);
                clock.Stop();
                results.Add(new GridTiming(label, page, result.Items.Count, result.Total, clock.Elapsed.TotalMilliseconds));
            }
        }
        return results;
    }

    /// <summary>Runs the executor's steps on <c>workers</c> long-lived workers, in the order they were enqueued.</summary>
    internal sealed class WorkerPoolScheduler : IRunScheduler
    {
        private readonly Channel<Func<RunExecutor, Task>> _jobs = Channel.CreateUnbounded<Func<RunExecutor, Task>>();
        private readonly IServiceProvider _services;
        private int _pending;
        private int _errors;

        public WorkerPoolScheduler(IServiceProvider services, int workers)
        {
            _services = services;
            for (var i = 0; i < workers; i++)
            {
                _ = Task.Run(WorkAsync);
            }
        }

        public int JobErrors => Volatile.Read(ref _errors);

        public string? FirstJobError { get; private set; }

        public void EnqueuePrepare(long runId) => Enqueue(e => e.PrepareAsync(runId, CancellationToken.None));

        public void EnqueuePartition(long runId, int partition) => Enqueue(e => e.ProcessPartitionAsync(runId, partition, CancellationToken.None));

        private void Enqueue(Func<RunExecutor, Task> job)
        {
            Interlocked.Increment(ref _pending);
            _jobs.Writer.TryWrite(job);
        }

        private async Task WorkAsync()
        {
            var executor = _services.GetRequiredService<RunExecutor>();
            await foreach (var job in _jobs.Reader.ReadAllAsync())
            {
                try
                {
                    await job(executor);
                }
                catch (Exception e)
                {
                    if (Interlocked.Increment(ref _errors) == 1)
                    {
                        FirstJobError = e.GetType().Name + ": " + e.Message;
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _pending);
                }
            }
        }

        /// <summary>Returns once no job is queued or running (a job enqueues its follow-ups before it ends).</summary>
        public async Task IdleAsync(CancellationToken ct)
        {
            while (Volatile.Read(ref _pending) > 0)
            {
                await Task.Delay(100, ct);
            }
        }
    }
}
