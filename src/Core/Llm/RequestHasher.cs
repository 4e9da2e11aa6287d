using System.Security.Cryptography;
using System.Text.Json;

namespace DeepFinance.Core.Llm;

/// <summary>
/// The canonical identity of a request: endpoint, model, messages, parameters, schema, sample index
/// and salt, written as JSON in a fixed order and hashed. Equal hashes mean the same paid answer.
/// </summary>
public static class RequestHasher
{
    public static string Hash(SynthesizerProfile profile, LlmRequest request)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("endpoint", profile.BaseUrl.TrimEnd('/'));
            w.WriteString("model", profile.Model);
            w.WriteStartArray("messages");
            foreach (var m in request.Messages)
            {
                w.WriteStartObject();
                w.WriteString("role", m.Role);
                w.WriteString("content", m.Content);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("temperature", request.Temperature ?? profile.Temperature);
            w.WriteNumber("max_tokens", request.MaxTokens ?? profile.MaxTokens);
            w.WriteString("schema", request.JsonSchema ?? "");
            w.WriteNumber("sample", request.SampleIndex);
            w.WriteString("salt", request.SamplingSalt);
            w.WriteEndObject();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }
}
