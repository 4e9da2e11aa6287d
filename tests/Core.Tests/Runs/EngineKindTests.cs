using System.Runtime.CompilerServices;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Core.Tests.Runs;

/// <summary>The engine runs any kind a handler brings, with no engine change.</summary>
public sealed class EngineKindTests
{
    /// <summary>A kind that exists only in this test: items "e0".."eN", one of which fails and one whose result cannot be stored.</summary>
    private sealed class EchoKind : IRunKindHandler
    {
        public string Kind => "echo";

        public Task<RunPlan> PlanAsync(RunLaunch launch, SynthesizerProfile synthesizer, CancellationToken ct)
        {
            var count = launch.Spec.TryGetProperty("count", out var c) && c.TryGetInt32(out var n) ? n : -1;
            if (count is < 1 or > 1000)
            {
                throw new RunValidationException("spec.count", "count must be between 1 and 1000");
            }
            return Task.FromResult(new RunPlan(launch.Spec, []));
        }

        public Task<RunEstimate> EstimateAsync(RunPlan plan, SynthesizerProfile synthesizer, CancellationToken ct) =>
            Task.FromResult(new RunEstimate(0, plan.Spec.GetProperty("count").GetInt32(), 0, 0, 0m, synthesizer.Simulated));

        public async IAsyncEnumerable<RunItemSeed> CreateItemsAsync(RunContext run, [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Yield();
            for (var i = 0; i < run.Spec.GetProperty("count").GetInt32(); i++)
            {
                yield return new RunItemSeed("e" + i, 1000 + i, i);
            }
        }

        public Task<IPartitionWork> OpenPartitionAsync(RunContext run, IReadOnlyList<RunItemRef> items, CancellationToken ct) =>
            Task.FromResult<IPartitionWork>(new Work(run));

        private sealed class Work(RunContext run) : IPartitionWork
        {
            public Task<ItemResult> ProcessAsync(RunItemRef item, CancellationToken ct) => Task.FromResult(item.Key switch
            {
                "e3" => throw new FormatException("the echo of e3 is garbled"),
                // A trace about a question that does not exist: the database refuses it (foreign key), for this item only.
                "e5" => ItemResult.Succeeded(new CotTrace
                {
                    RunId = run.RunId, QuestionId = 987654321, RequestHash = "x", SynthesizerName = "sim", Model = "m",
                }),
                _ => ItemResult.Succeeded(),
            });
        }
    }

    private static Task<PipelineHarness> StartAsync() => PipelineHarness.StartAsync(configure: s => s.AddRunKind<EchoKind>());

    [Fact]
    public async Task A_test_only_kind_runs_end_to_end_and_each_bad_item_fails_alone_with_its_reason()
    {
        await using var h = await StartAsync();
        var spec = JsonSerializer.SerializeToElement(new { count = 8 });
        Assert.Equal(8, (await h.Runs.EstimateAsync(new RunLaunch("echo", "sim", spec))).Requests);
        var id = await h.Runs.LaunchAsync(new RunLaunch("echo", "sim", spec, PartitionSize: 3), "test");
        var run = await h.WaitAsync(id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal("echo", run.Kind);
        Assert.Equal(8, run.Total);
        Assert.Equal(6, run.Done);
        Assert.Equal(2, run.Failed);
        await using var db = await h.Db.CreateDbContextAsync();
        var items = await db.RunItems.Where(i => i.RunId == id).ToDictionaryAsync(i => i.Key);
        Assert.Equal(3, await db.RunPartitions.CountAsync(p => p.RunId == id));
        Assert.Equal(RunItemStatus.Failed, items["e3"].Status);
        Assert.Contains("garbled", items["e3"].Error);
        // Not mistaken for "another worker committed first": the item says why, and the error is logged.
        Assert.Equal(RunItemStatus.Failed, items["e5"].Status);
        Assert.StartsWith("the result could not be stored", items["e5"].Error);
        Assert.Contains(h.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("could not be stored", StringComparison.Ordinal));
        Assert.All(items.Values.Where(i => i.Key is not ("e3" or "e5")), i => Assert.Equal(RunItemStatus.Done, i.Status));
    }

    [Fact]
    public async Task A_kind_checks_its_own_spec_and_an_unknown_kind_is_refused_by_name()
    {
        await using var h = await StartAsync();
        var bad = await Assert.ThrowsAsync<RunValidationException>(() =>
            h.Runs.LaunchAsync(new RunLaunch("echo", "sim", JsonSerializer.SerializeToElement(new { count = 0 })), "test"));
        Assert.Equal("spec.count", bad.Field);

        var unknown = await Assert.ThrowsAsync<RunValidationException>(() =>
            h.Runs.LaunchAsync(new RunLaunch("forge-x", "sim", JsonSerializer.SerializeToElement(new { })), "test"));
        Assert.Equal("kind", unknown.Field);
        Assert.Contains("echo", unknown.Message);
        Assert.Contains("q2a", unknown.Message);
        Assert.Contains("synthesize", unknown.Message);
    }
}
