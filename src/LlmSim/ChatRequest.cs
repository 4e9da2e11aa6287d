using System.Text;
using System.Text.Json;

namespace DeepFinance.LlmSim;

/// <summary>One message of a chat request, with its content flattened to text.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>The parts of a chat-completion request the simulator looks at.</summary>
public sealed record ChatRequest(
    string Model,
    IReadOnlyList<ChatMessage> Messages,
    bool Stream,
    bool IncludeUsage,
    long? Seed,
    int? MaxTokens,
    string? ResponseFormat)
{
    /// <summary>All message contents, one after another, as scripted matching sees them.</summary>
    public string AllContent => string.Join("\n", Messages.Select(m => m.Content));

    /// <summary>The last message with role <c>user</c>, or empty.</summary>
    public string LastUserContent => Messages.LastOrDefault(m => m.Role == "user")?.Content ?? string.Empty;

    /// <summary>Roles and contents in order, with separators, for hashing.</summary>
    public string Transcript
    {
        get
        {
            var builder = new StringBuilder();
            foreach (var m in Messages)
            {
                builder.Append(m.Role).Append('\u001f').Append(m.Content).Append('\u001e');
            }

            return builder.ToString();
        }
    }

    /// <summary>Parses a request body; throws <see cref="FormatException"/> with a reason a client can read.</summary>
    public static ChatRequest Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(body);
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The request body is not valid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("The request body must be a JSON object.");
            }

            if (!root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.String)
            {
                throw new FormatException("'model' is required and must be a string.");
            }

            if (!root.TryGetProperty("messages", out var messagesElement) || messagesElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("'messages' is required and must be an array.");
            }

            var messages = new List<ChatMessage>();
            var index = 0;
            foreach (var m in messagesElement.EnumerateArray())
            {
                if (m.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"messages[{index}] must be an object.");
                }

                var role = m.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : string.Empty;
                var content = m.TryGetProperty("content", out var c) ? FlattenContent(c) : string.Empty;
                messages.Add(new ChatMessage(role, content));
                index++;
            }

            if (messages.Count == 0)
            {
                throw new FormatException("'messages' must not be empty.");
            }

            var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var includeUsage = root.TryGetProperty("stream_options", out var so)
                && so.ValueKind == JsonValueKind.Object
                && so.TryGetProperty("include_usage", out var iu)
                && iu.ValueKind == JsonValueKind.True;

            long? seed = root.TryGetProperty("seed", out var seedElement) && seedElement.ValueKind == JsonValueKind.Number
                && seedElement.TryGetInt64(out var seedValue) ? seedValue : null;

            var maxTokens = ReadPositiveInt(root, "max_completion_tokens") ?? ReadPositiveInt(root, "max_tokens");

            string? responseFormat = root.TryGetProperty("response_format", out var rf) && rf.ValueKind == JsonValueKind.Object
                && rf.TryGetProperty("type", out var rft) && rft.ValueKind == JsonValueKind.String ? rft.GetString() : null;

            return new ChatRequest(modelElement.GetString()!, messages, stream, includeUsage, seed, maxTokens, responseFormat);
        }
    }

    private static int? ReadPositiveInt(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) && v > 0 ? v : null;

    private static string FlattenContent(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Array:
                var builder = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.String)
                    {
                        builder.Append(part.GetString());
                    }
                    else if (part.ValueKind == JsonValueKind.Object
                        && part.TryGetProperty("text", out var text)
                        && text.ValueKind == JsonValueKind.String)
                    {
                        builder.Append(text.GetString());
                    }
                }

                return builder.ToString();
            default:
                return string.Empty;
        }
    }
}
