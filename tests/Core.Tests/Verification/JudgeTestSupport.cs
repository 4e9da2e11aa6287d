using System.Text.Json;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.LlmSim;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Verification;

/// <summary>A pipeline over a simulator in scripted mode: each line answers requests whose text contains a marker.</summary>
internal static class JudgeTestSupport
{
    public static string ScriptLine(string contains, string content) =>
        JsonSerializer.Serialize(new { match = new { contains }, content });

    /// <summary>Starts a harness whose simulator replays <paramref name="script"/> (first match wins).</summary>
    public static async Task<PipelineHarness> StartAsync(IEnumerable<string> script, IDictionary<string, string?>? settings = null)
    {
        var path = Path.Combine(Path.GetTempPath(), "df-judge-script-" + Guid.NewGuid().ToString("N")[..8] + ".jsonl");
        await File.WriteAllLinesAsync(path, script);
        var all = new Dictionary<string, string?> { ["DeepFinance:Llm:MaxAttempts"] = "2" };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }
        return await PipelineHarness.StartAsync(new SimulatorOptions { ScriptFile = path }, all);
    }

    /// <summary>Imports seed lines of our own (the harness's seeds are all rule-decidable).</summary>
    public static async Task<long> ImportAsync(PipelineHarness h, string name, params string[] lines)
    {
        var path = Path.Combine(h.Directory, name + ".jsonl");
        await File.WriteAllLinesAsync(path, lines);
        await using var stream = File.OpenRead(path);
        var result = await h.Services.GetRequiredService<Core.Ingest.SeedImporter>().ImportAsync(stream, path, name, "test");
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.SourceId!.Value;
    }
}
