using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Runs;

/// <summary>A partition held by a worker that died is handed to another once its lease expires.</summary>
public sealed class LeaseTests
{
    [Fact]
    public async Task An_expired_lease_is_reaped_and_the_partition_finishes_elsewhere()
    {
        await using var h = await PipelineHarness.StartAsync(settings: new Dictionary<string, string?> { ["DeepFinance:Runs:DefaultPartitionSize"] = "5" });
        var source = await h.ImportSeedsAsync();
        var runId = await h.Runs.LaunchAsync(new RunSpec(RunKind.Q2a, source, "sim", 1), "test");
        await h.Scheduler.IdleAsync();
        Assert.Equal(RunStatus.Completed, (await h.Runs.GetAsync(runId))!.Status);

        // Re-open the run as if a worker had claimed its only partition and then died mid-way.
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            await db.Traces.Where(t => t.RunId == runId && t.QuestionId == db.Traces.Where(x => x.RunId == runId).Min(x => x.QuestionId)).ExecuteDeleteAsync();
            await db.RunItems.Where(i => i.RunId == runId && !db.Traces.Any(t => t.RunItemId == i.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Pending));
            await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.Done, 4));
            await db.RunPartitions.Where(p => p.RunId == runId).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, PartitionStatus.Pending).SetProperty(p => p.LeaseOwner, "dead-worker")
                .SetProperty(p => p.LeaseExpiresAt, DateTimeOffset.UtcNow.AddSeconds(30)));
        }
        var executor = h.Services.GetRequiredService<RunExecutor>();

        // A live lease is left alone: the partition is not processed twice.
        Assert.Equal(0, await executor.ReapExpiredLeasesAsync(CancellationToken.None));
        await executor.ProcessPartitionAsync(runId, 0, CancellationToken.None);
        Assert.Equal(RunStatus.Running, (await h.Runs.GetAsync(runId))!.Status);

        await using (var db = await h.Db.CreateDbContextAsync())
        {
            await db.RunPartitions.Where(p => p.RunId == runId).ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }
        var sent = h.Simulator.Stats.Requests;
        Assert.Equal(1, await executor.ReapExpiredLeasesAsync(CancellationToken.None));
        var run = await h.WaitAsync(runId);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(5, run.Done);
        // The one lost item was answered before, so it came from the store: nothing was sent.
        Assert.Equal(sent, h.Simulator.Stats.Requests);
    }
}
