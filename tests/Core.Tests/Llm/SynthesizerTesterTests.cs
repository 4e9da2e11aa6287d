using DeepFinance.Core.Llm;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Llm;

/// <summary>"Test connection" against a real simulator over loopback HTTP: one request, plain-words errors, nothing stored.</summary>
public sealed class SynthesizerTesterTests
{
    [Theory]
    [InlineData("deepseek-r1", ReasoningFormats.ReasoningContent)]
    [InlineData("reasoning-field", ReasoningFormats.ReasoningField)]
    [InlineData("think-inline", ReasoningFormats.ThinkTags)]
    [InlineData("plain", ReasoningFormats.None)]
    public async Task A_working_endpoint_reports_latency_and_the_reasoning_format(string model, string format)
    {
        await using var harness = await PipelineHarness.StartAsync(model: model);
        var result = await harness.Services.GetRequiredService<SynthesizerTester>().TestAsync("sim");

        Assert.True(result.Ok, result.Error);
        Assert.Equal(format, result.ReasoningFormat);
        Assert.True(result.LatencyMs >= 0);
        Assert.Null(result.Error);
    }

    [Fact]
    public async Task Each_test_really_calls_the_endpoint_and_stores_nothing()
    {
        await using var harness = await PipelineHarness.StartAsync(model: "deepseek-r1");
        var tester = harness.Services.GetRequiredService<SynthesizerTester>();

        Assert.True((await tester.TestAsync("sim")).Ok);
        Assert.True((await tester.TestAsync("sim")).Ok);

        Assert.Equal(2, harness.Simulator.Stats.Snapshot().Requests);
        await using var db = await harness.Db.CreateDbContextAsync();
        Assert.Empty(db.LlmResponses);
    }

    [Fact]
    public async Task An_unknown_model_is_said_in_plain_words()
    {
        await using var harness = await PipelineHarness.StartAsync(model: "no-such-model");
        var result = await harness.Services.GetRequiredService<SynthesizerTester>().TestAsync("sim");

        Assert.False(result.Ok);
        Assert.Contains("model not found", result.Error, StringComparison.Ordinal);
        Assert.Contains("no-such-model", result.Error, StringComparison.Ordinal);
        Assert.StartsWith("HTTP 404 from 127.0.0.1", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_port_is_a_connection_error_without_the_key()
    {
        const string key = "sk-test-secret-0123456789";
        await using var harness = await PipelineHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["DeepFinance:Synthesizers:sim:BaseUrl"] = "http://127.0.0.1:1/v1",
            ["DeepFinance:Synthesizers:sim:ApiKey"] = key,
        });
        var result = await harness.Services.GetRequiredService<SynthesizerTester>().TestAsync("sim");

        Assert.False(result.Ok);
        Assert.Contains("could not connect to 127.0.0.1:1", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(key, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_synthesizer_is_named()
    {
        await using var harness = await PipelineHarness.StartAsync();
        var result = await harness.Services.GetRequiredService<SynthesizerTester>().TestAsync("nope");
        Assert.False(result.Ok);
        Assert.Equal("No synthesizer named 'nope'.", result.Error);
    }
}
