using System.ClientModel;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.LlmSim;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Tests.Llm;

/// <summary>Reasoning is stored apart from the answer for every provider shape, streaming or not.</summary>
public sealed class ReasoningCaptureTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private readonly ChatEndpointClient _client = new(Options.Create(new LlmOptions()),
        new EndpointPolicy(Options.Create(new EndpointOptions { AllowPrivateNetworks = true }), new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()));

    public async Task InitializeAsync()
    {
        var oracle = Path.Combine(Path.GetTempPath(), $"df-oracle-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(oracle, PipelineHarness.SeedLines);
        _sim = await SimulatorHost.StartAsync(new SimulatorOptions { OracleFile = oracle, LatencyMedianMs = 0, CorrectProbability = 1 });
    }

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    public static TheoryData<string, bool, string> Profiles => new()
    {
        { "deepseek-r1", false, ReasoningFormats.ReasoningContent },
        { "deepseek-r1", true, ReasoningFormats.ReasoningContent },
        { "simulator", false, ReasoningFormats.ReasoningContent },
        { "simulator", true, ReasoningFormats.ReasoningContent },
        { "qwq-plus", true, ReasoningFormats.ReasoningContent },
        { "reasoning-field", false, ReasoningFormats.ReasoningField },
        { "reasoning-field", true, ReasoningFormats.ReasoningField },
        { "think-inline", false, ReasoningFormats.ThinkTags },
        { "think-inline", true, ReasoningFormats.ThinkTags },
    };

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Reasoning_is_captured_apart_from_the_answer(string model, bool streaming, string format)
    {
        var completion = await CompleteAsync(model, streaming);

        Assert.Equal(format, completion.ReasoningFormat);
        Assert.False(string.IsNullOrWhiteSpace(completion.Reasoning));
        Assert.DoesNotContain("<think>", completion.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("</think>", completion.Content, StringComparison.Ordinal);
        Assert.DoesNotContain(completion.Reasoning!.Trim(), completion.Content, StringComparison.Ordinal);
        Assert.Contains("30000", completion.Content, StringComparison.Ordinal);
        Assert.Equal("stop", completion.FinishReason);
        Assert.True(completion.CompletionTokens > 0 && completion.PromptTokens > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_model_without_reasoning_gives_the_answer_only(bool streaming)
    {
        var completion = await CompleteAsync("plain", streaming);
        Assert.Equal(ReasoningFormats.None, completion.ReasoningFormat);
        Assert.Null(completion.Reasoning);
        Assert.Contains("30000", completion.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streaming_only_provider_refuses_a_plain_request_with_a_400()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() => CompleteAsync("qwq-plus", streaming: false));
        Assert.Equal(400, e.Status);
    }

    [Theory]
    [InlineData("<think>step one</think>The answer is 4.", "step one", "The answer is 4.")]
    [InlineData("step one</think>\nThe answer is 4.", "step one", "The answer is 4.")]
    [InlineData("The answer is 4.", "", "The answer is 4.")]
    public void Think_tags_split_reasoning_from_answer(string text, string reasoning, string answer)
    {
        ThinkTags.TrySplit(text, out var r, out var a);
        Assert.Equal(reasoning, r);
        Assert.Equal(answer, a);
    }

    private Task<LlmCompletion> CompleteAsync(string model, bool streaming)
    {
        var profile = new SynthesizerProfile("sim", new Uri(_sim.BaseUrl, "v1").ToString(), model, null, 0.6, 1024, 4, 0, 0, 0, 0,
            External: false, Streaming: streaming, Simulated: true, SendSeed: true);
        var request = new LlmRequest("sim", [DeepFinance.Core.Llm.ChatMessage.User("某客户贷款20万元，年利率5%，单利计息，3年利息多少元？")], 0, "", "test",
            DeepFinance.Core.Privacy.RequestProvenance.Public);
        return _client.CompleteAsync(new Uri(_sim.BaseUrl, "v1/"), profile, request, CancellationToken.None);
    }
}
