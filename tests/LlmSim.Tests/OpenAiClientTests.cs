using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using OpenAI;
using OpenAI.Chat;

namespace DeepFinance.LlmSim.Tests;

/// <summary>The official OpenAI .NET client talks to the simulator without trouble.</summary>
public sealed class OpenAiClientTests : IAsyncLifetime
{
    private const string Question = "某公司2023年净利润为3.68亿元，请问净利润是多少？";
    private readonly TempFiles _files = new();
    private SimulatorHost _host = null!;

    public async Task InitializeAsync()
    {
        var oracle = _files.Write("oracle.jsonl", $$"""{"question":"{{Question}}","answer":"3.68亿元"}""");
        _host = await SimulatorHost.StartAsync(new SimulatorOptions { OracleFile = oracle, CorrectProbability = 1, LatencyMedianMs = 0 });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _files.Dispose();
    }

    internal static ChatClient Client(Uri baseUrl, string model) =>
        new(model, new ApiKeyCredential("sk-simulator"), new OpenAIClientOptions
        {
            Endpoint = new Uri(baseUrl, "v1"),
            RetryPolicy = new ClientRetryPolicy(0),
            NetworkTimeout = TimeSpan.FromSeconds(30),
        });

    [Theory]
    [InlineData("simulator")]
    [InlineData("deepseek-r1")]
    [InlineData("reasoning-field")]
    [InlineData("think-inline")]
    [InlineData("plain")]
    public async Task CompleteChatWorks(string model)
    {
        var client = Client(_host.BaseUrl, model);
        ChatCompletion completion = await client.CompleteChatAsync(
            [new SystemChatMessage("你是一名金融分析师。"), new UserChatMessage(Question)],
            new ChatCompletionOptions { Seed = 7, Temperature = 0.6f, MaxOutputTokenCount = 4000 });

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(model, completion.Model);
        Assert.EndsWith("答案：3.68亿元", completion.Content[0].Text, StringComparison.Ordinal);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        var reasoning = completion.Usage.OutputTokenDetails?.ReasoningTokenCount ?? 0;
        Assert.Equal(model != "plain", reasoning > 0);
        Assert.True(completion.Usage.OutputTokenCount > reasoning);
    }

    [Theory]
    [InlineData("simulator")]
    [InlineData("qwq-plus")]
    [InlineData("reasoning-field")]
    [InlineData("think-inline")]
    [InlineData("plain")]
    public async Task CompleteChatStreamingWorks(string model)
    {
        var client = Client(_host.BaseUrl, model);
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage(Question)]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.EndsWith("答案：3.68亿元", text.ToString(), StringComparison.Ordinal);
        Assert.NotNull(usage);
        Assert.True(usage!.OutputTokenCount > 0);
    }

    [Fact]
    public async Task JsonResponseFormatIsAccepted()
    {
        var client = Client(_host.BaseUrl, "simulator");
        ChatCompletion completion = await client.CompleteChatAsync(
            [new UserChatMessage(Question)],
            new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() });
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
    }

    [Fact]
    public async Task QwqPlusNonStreamingFailsInTheClient()
    {
        var client = Client(_host.BaseUrl, "qwq-plus");
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage(Question)]));
        Assert.Equal(400, ex.Status);
    }

    [Fact]
    public async Task MountedUnderAPrefixWorksWithTheClient()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddLlmSimulator(o =>
        {
            o.LatencyMedianMs = 0;
            o.CorrectProbability = 1;
        });
        await using var app = builder.Build();
        app.MapLlmSimulator("/sim");
        await app.StartAsync();
        var address = app.Urls.First();

        var client = Client(new Uri(address.TrimEnd('/') + "/sim/"), "deepseek-r1");
        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("What is 2 + 2?")]);
        Assert.Equal("I cannot determine this.", completion.Content[0].Text);

        using var http = new HttpClient();
        var stats = await http.GetStringAsync(new Uri(address.TrimEnd('/') + "/sim/stats"));
        Assert.Contains("\"requests\":1", stats, StringComparison.Ordinal);
        await app.StopAsync();
    }
}
