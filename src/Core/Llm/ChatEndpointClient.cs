using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using DeepFinance.Core.Privacy;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace DeepFinance.Core.Llm;

/// <summary>
/// One HTTP attempt against an OpenAI-compatible endpoint through the official OpenAI package, and the
/// privacy gate in front of it. This is the only place that builds an OpenAI client, so every call
/// (sampling, judge, connection test, every kind to come) passes the gate before any byte is sent.
/// The package's own retries are off: <see cref="LlmGateway"/> owns retrying.
/// Reasoning is read from <c>reasoning_content</c>, from <c>reasoning</c>, or from inline think tags.
/// </summary>
public sealed class ChatEndpointClient(IOptions<LlmOptions> options, EndpointPolicy endpoints, ILocalServerAddress? localServer = null)
{
    private readonly ConcurrentDictionary<(Uri, string, string?), ChatClient> _clients = new();

    /// <summary>
    /// The privacy gate: text that is not public or expert-approved desensitized never goes to a synthesizer
    /// marked external. Anything else, an unset provenance included, is refused (fail closed).
    /// </summary>
    public static void EnsureAllowed(SynthesizerProfile profile, LlmRequest request)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(request);
        if (profile.External && !ProvenanceRules.MayLeave(request.Provenance))
        {
            throw new PrivacyGateException(profile.Name, request.Purpose);
        }
    }

    public async Task<LlmCompletion> CompleteAsync(Uri endpoint, SynthesizerProfile profile, LlmRequest request, CancellationToken ct)
    {
        EnsureAllowed(profile, request);
        // Only allowed hosts, checked against their current DNS answer: no Operator-chosen URL reaches inside the network.
        await endpoints.EnsureAllowedAsync(endpoint, profile, ct);
        // This server's own simulator takes only its own key; a synthesizer's stored key never goes there instead.
        var apiKey = profile.BaseUrl.StartsWith(SynthesizerCatalog.SelfScheme, StringComparison.Ordinal)
            ? localServer?.SimulatorKey ?? profile.ApiKey
            : profile.ApiKey;
        var client = _clients.GetOrAdd((endpoint, profile.Model, apiKey), key => new OpenAIClient(
            new ApiKeyCredential(string.IsNullOrEmpty(key.Item3) ? "not-needed" : key.Item3),
            new OpenAIClientOptions
            {
                Endpoint = key.Item1,
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds),
            }).GetChatClient(key.Item2));

        var messages = request.Messages.Select(ToSdk).ToList();
        var chatOptions = new ChatCompletionOptions
        {
            Temperature = (float)(request.Temperature ?? profile.Temperature),
            MaxOutputTokenCount = request.MaxTokens ?? profile.MaxTokens,
        };
        if (profile.SendSeed)
        {
            chatOptions.Seed = request.SampleIndex;
        }
        if (request.JsonSchema is not null)
        {
            chatOptions.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(
                "answer", BinaryData.FromString(request.JsonSchema), jsonSchemaIsStrict: true);
        }

        var clock = Stopwatch.StartNew();
        return profile.Streaming
            ? await StreamAsync(client, messages, chatOptions, clock, ct)
            : await CompleteOnceAsync(client, messages, chatOptions, clock, ct);
    }

    private static OpenAI.Chat.ChatMessage ToSdk(ChatMessage m) => m.Role switch
    {
        "system" => new SystemChatMessage(m.Content),
        "assistant" => new AssistantChatMessage(m.Content),
        _ => new UserChatMessage(m.Content),
    };

    private static async Task<LlmCompletion> CompleteOnceAsync(ChatClient client, List<OpenAI.Chat.ChatMessage> messages,
        ChatCompletionOptions chatOptions, Stopwatch clock, CancellationToken ct)
    {
        var result = await client.CompleteChatAsync(messages, chatOptions, ct);
        var raw = result.GetRawResponse().Content;
        using var doc = JsonDocument.Parse(raw);
        if (!doc.RootElement.TryGetProperty("choices", out var choices) || choices.GetArrayLength() == 0)
        {
            throw new MalformedResponseException("the response has no choices");
        }
        var choice = choices[0];
        var message = choice.GetProperty("message");
        var content = message.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() ?? "" : "";
        string? reasoning = null;
        var format = ReasoningFormats.None;
        if (message.TryGetProperty("reasoning_content", out var rc) && rc.ValueKind == JsonValueKind.String)
        {
            reasoning = rc.GetString();
            format = ReasoningFormats.ReasoningContent;
        }
        else if (message.TryGetProperty("reasoning", out var rf) && rf.ValueKind == JsonValueKind.String)
        {
            reasoning = rf.GetString();
            format = ReasoningFormats.ReasoningField;
        }
        var finish = choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        var usage = result.Value.Usage;
        return Finish(content, reasoning, format, finish, usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0,
            usage?.OutputTokenDetails?.ReasoningTokenCount ?? 0, clock);
    }

    private static async Task<LlmCompletion> StreamAsync(ChatClient client, List<OpenAI.Chat.ChatMessage> messages,
        ChatCompletionOptions chatOptions, Stopwatch clock, CancellationToken ct)
    {
        var content = new StringBuilder();
        var reasoning = new StringBuilder();
        var format = ReasoningFormats.None;
        string? finish = null;
        int prompt = 0, completion = 0, reasoningTokens = 0;
        await foreach (var update in client.CompleteChatStreamingAsync(messages, chatOptions, ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                content.Append(part.Text);
            }
            if (update.Patch.TryGetValue("$.choices[0].delta.reasoning_content"u8, out string? rc) && rc is not null)
            {
                reasoning.Append(rc);
                format = ReasoningFormats.ReasoningContent;
            }
            else if (update.Patch.TryGetValue("$.choices[0].delta.reasoning"u8, out string? rf) && rf is not null)
            {
                reasoning.Append(rf);
                format = ReasoningFormats.ReasoningField;
            }
            if (update.FinishReason is { } fr)
            {
                finish = fr switch
                {
                    ChatFinishReason.Stop => "stop",
                    ChatFinishReason.Length => "length",
                    ChatFinishReason.ContentFilter => "content_filter",
                    _ => fr.ToString().ToLowerInvariant(),
                };
            }
            if (update.Usage is { } u)
            {
                prompt = u.InputTokenCount;
                completion = u.OutputTokenCount;
                reasoningTokens = u.OutputTokenDetails?.ReasoningTokenCount ?? 0;
            }
        }
        if (finish is null)
        {
            throw new MalformedResponseException("the stream ended without a finish reason");
        }
        return Finish(content.ToString(), reasoning.Length > 0 ? reasoning.ToString() : null, format, finish,
            prompt, completion, reasoningTokens, clock);
    }

    private static LlmCompletion Finish(string content, string? reasoning, string format, string? finish,
        int prompt, int completion, int reasoningTokens, Stopwatch clock)
    {
        if (reasoning is null && ThinkTags.TrySplit(content, out var inlineReasoning, out var answer))
        {
            reasoning = inlineReasoning;
            content = answer;
            format = ReasoningFormats.ThinkTags;
        }
        return new LlmCompletion(content, reasoning, format, finish, prompt, completion, reasoningTokens, (int)clock.ElapsedMilliseconds);
    }
}

/// <summary>The endpoint answered, but not with something we can use.</summary>
public sealed class MalformedResponseException(string message) : Exception(message);

/// <summary>Splits inline <c>&lt;think&gt;…&lt;/think&gt;</c> reasoning from the answer that follows it.</summary>
public static class ThinkTags
{
    public static bool TrySplit(string text, out string reasoning, out string answer)
    {
        var close = text.LastIndexOf("</think>", StringComparison.OrdinalIgnoreCase);
        if (close < 0)
        {
            reasoning = "";
            answer = text;
            return false;
        }
        var open = text.IndexOf("<think>", StringComparison.OrdinalIgnoreCase);
        var start = open >= 0 && open < close ? open + "<think>".Length : 0;
        reasoning = text[start..close].Trim();
        answer = text[(close + "</think>".Length)..].Trim();
        return true;
    }
}
