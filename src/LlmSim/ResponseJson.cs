using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DeepFinance.LlmSim;

/// <summary>Token numbers of one answer, OpenAI style: completion tokens include reasoning tokens.</summary>
public sealed record SimUsage(int PromptTokens, int CompletionTokens, int ReasoningTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>An answer put into a provider's shape, ready to be written.</summary>
public sealed record ShapedAnswer(string? ReasoningContent, string? Reasoning, string Content, string FinishReason, SimUsage Usage);

/// <summary>Writes the OpenAI-compatible JSON bodies.</summary>
internal static class ResponseJson
{
    // Keep CJK readable in bodies; clients decode either form.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Completion(string id, long created, string model, ShapedAnswer answer) =>
        Write(w =>
        {
            WriteHeader(w, id, "chat.completion", created, model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            w.WriteString("content", answer.Content);
            if (answer.ReasoningContent is not null)
            {
                w.WriteString("reasoning_content", answer.ReasoningContent);
            }

            if (answer.Reasoning is not null)
            {
                w.WriteString("reasoning", answer.Reasoning);
            }

            w.WriteNull("refusal");
            w.WriteEndObject();
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", answer.FinishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, answer.Usage);
            w.WriteEndObject();
        });

    /// <summary>A streaming chunk; <paramref name="deltaField"/> null gives an empty delta.</summary>
    public static byte[] Chunk(string id, long created, string model, string? deltaField, string? deltaText, bool withRole, string? finishReason) =>
        Write(w =>
        {
            WriteHeader(w, id, "chat.completion.chunk", created, model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            if (withRole)
            {
                w.WriteString("role", "assistant");
            }

            if (deltaField is not null)
            {
                w.WriteString(deltaField, deltaText);
            }

            w.WriteEndObject();
            w.WriteNull("logprobs");
            if (finishReason is null)
            {
                w.WriteNull("finish_reason");
            }
            else
            {
                w.WriteString("finish_reason", finishReason);
            }

            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });

    public static byte[] UsageChunk(string id, long created, string model, SimUsage usage) =>
        Write(w =>
        {
            WriteHeader(w, id, "chat.completion.chunk", created, model);
            w.WriteStartArray("choices");
            w.WriteEndArray();
            WriteUsage(w, usage);
            w.WriteEndObject();
        });

    public static byte[] Error(string message, string type, string? code) =>
        Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", message);
            w.WriteString("type", type);
            w.WriteNull("param");
            if (code is null)
            {
                w.WriteNull("code");
            }
            else
            {
                w.WriteString("code", code);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        });

    public static byte[] Models(IEnumerable<ProviderProfile> profiles, long created) =>
        Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            foreach (var p in profiles)
            {
                w.WriteStartObject();
                w.WriteString("id", p.Model);
                w.WriteString("object", "model");
                w.WriteNumber("created", created);
                w.WriteString("owned_by", "llmsim");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });

    private static void WriteHeader(Utf8JsonWriter w, string id, string type, long created, string model)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", type);
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteString("system_fingerprint", "llmsim");
    }

    private static void WriteUsage(Utf8JsonWriter w, SimUsage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", usage.PromptTokens);
        w.WriteNumber("completion_tokens", usage.CompletionTokens);
        w.WriteNumber("total_tokens", usage.TotalTokens);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", 0);
        w.WriteEndObject();
        w.WriteStartObject("completion_tokens_details");
        w.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            body(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
