using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Tests.Runs;

/// <summary>Issue 8, SSRF: a run on a synthesizer whose host is inside the network sends nothing and pauses with the reason.</summary>
public sealed class DisallowedEndpointRunTests
{
    [Fact]
    public async Task Ssrf_a_run_on_an_operator_synthesizer_pointing_at_loopback_sends_nothing_and_pauses_with_the_reason()
    {
        await using var h = await PipelineHarness.StartAsync();
        var source = await h.ImportSeedsAsync();
        // An Operator's synthesizer (source "ui") at the same loopback simulator the configured one uses, on another path.
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            db.Synthesizers.Add(new Synthesizer
            {
                Name = "inside", BaseUrl = new Uri(h.Simulator.BaseUrl, "v1").ToString().Replace("127.0.0.1", "localhost", StringComparison.Ordinal),
                Model = "simulator", Source = "ui", External = false,
            });
            await db.SaveChangesAsync();
        }

        var runId = await h.Runs.LaunchAsync(new RunSpec(RunKind.Q2a, source, "inside", 1), "test");
        RunProgress? run = null;
        for (var until = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < until && run?.Status != RunStatus.Paused; await Task.Delay(50))
        {
            run = await h.Runs.GetAsync(runId);
        }

        Assert.Equal(RunStatus.Paused, run!.Status);
        Assert.Contains("localhost", run.Error, StringComparison.Ordinal);
        Assert.Contains("DeepFinance:Endpoints:AllowPrivateNetworks", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, run.Attempts);
        Assert.Equal(0, run.Failed);
        Assert.Equal(0, h.Simulator.Stats.Requests);
        await using var check = await h.Db.CreateDbContextAsync();
        Assert.Equal(0, await check.Traces.CountAsync(t => t.RunId == runId));
    }
}
