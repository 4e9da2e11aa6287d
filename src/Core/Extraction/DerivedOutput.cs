using System.Text.Json;

namespace DeepFinance.Core.Extraction;

/// <summary>One question a model proposed (an A2Q variant or a T2Q mined question), as read from its JSON.</summary>
/// <param name="Index">Position in the answer, from 0.</param>
/// <param name="Missing">The required fields the proposal lacks, or null when it has them all.</param>
public sealed record Proposal(
    int Index,
    string? Text,
    IReadOnlyList<string>? Options,
    string? Answer,
    string? Kind,
    string? Before,
    string? After,
    string? KnowledgePoint,
    string? Missing);

/// <summary>A model's answer that is not the JSON asked for.</summary>
public sealed class MalformedOutputException(string message) : Exception(message);

/// <summary>
/// The JSON schemas sent as <c>response_format</c> with each structured-output step (they are part of the request hash).
/// Strict mode wants every property listed as required, so optional fields are nullable instead of absent.
/// </summary>
public static class OutputSchemas
{
    private const string Options = "\"options\":{\"type\":[\"array\",\"null\"],\"items\":{\"type\":\"string\"}}";

    public const string A2q = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"variants\"],\"properties\":{\"variants\":{\"type\":\"array\",\"items\":"
        + "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"question\",\"options\",\"answer\",\"perturbation\"],\"properties\":{"
        + "\"question\":{\"type\":\"string\"}," + Options + ",\"answer\":{\"type\":\"string\"},"
        + "\"perturbation\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"kind\",\"before\",\"after\"],\"properties\":{"
        + "\"kind\":{\"type\":\"string\",\"enum\":[\"number\",\"condition\",\"entity\",\"rule\",\"negation\"]},"
        + "\"before\":{\"type\":\"string\"},\"after\":{\"type\":\"string\"}}}}}}}}";

    public const string T2q = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"points\"],\"properties\":{\"points\":{\"type\":\"array\",\"items\":"
        + "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"kind\",\"statement\",\"questions\"],\"properties\":{"
        + "\"kind\":{\"type\":\"string\"},\"statement\":{\"type\":\"string\"},\"questions\":{\"type\":\"array\",\"items\":"
        + "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"question\",\"options\",\"answer\"],\"properties\":{"
        + "\"question\":{\"type\":\"string\"}," + Options + ",\"answer\":{\"type\":\"string\"}}}}}}}}}";

    public const string Extract = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"pairs\"],\"properties\":{\"pairs\":{\"type\":\"array\",\"items\":"
        + "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"question\",\"options\",\"answer\",\"taskType\"],\"properties\":{"
        + "\"question\":{\"type\":\"string\"}," + Options + ",\"answer\":{\"type\":\"string\"},"
        + "\"taskType\":{\"type\":[\"string\",\"null\"]}}}}}}";
}

/// <summary>
/// Reads the strict JSON the <c>a2q-generate</c> and <c>t2q-mine</c> templates ask for. One Markdown code fence around
/// the object is tolerated (models add it); anything else that is not the object asked for is malformed. A proposal
/// that lacks a field is kept and marked, so it is rejected with its own reason while its siblings go on.
/// </summary>
public static class DerivedOutput
{
    public const int MaxProposals = 50;

    public static IReadOnlyList<Proposal> ReadA2q(string content)
    {
        var root = Parse(content);
        if (!root.TryGetProperty("variants", out var variants) || variants.ValueKind != JsonValueKind.Array)
        {
            throw new MalformedOutputException("the JSON object has no \"variants\" array");
        }
        var result = new List<Proposal>();
        var index = 0;
        foreach (var v in variants.EnumerateArray().Take(MaxProposals))
        {
            var missing = new List<string>();
            var text = Text(v, "question", missing);
            var answer = Text(v, "answer", missing);
            string? kind = null, before = null, after = null;
            if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("perturbation", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                kind = Text(p, "kind", missing, "perturbation.kind");
                before = Optional(p, "before");
                after = Optional(p, "after");
            }
            else
            {
                missing.Add("perturbation");
            }
            result.Add(new Proposal(index++, text, OptionsOf(v), answer, kind?.ToLowerInvariant(), before, after, null,
                missing.Count == 0 ? null : string.Join(", ", missing)));
        }
        return result;
    }

    /// <summary>
    /// Reads <c>{"pairs":[{question, options?, answer, taskType?}]}</c> (the <c>extract-qa</c> template). The task type
    /// travels in <see cref="Proposal.Kind"/>; an unknown one is dropped (the rules type the question instead).
    /// </summary>
    public static IReadOnlyList<Proposal> ReadExtract(string content)
    {
        var root = Parse(content);
        if (!root.TryGetProperty("pairs", out var pairs) || pairs.ValueKind != JsonValueKind.Array)
        {
            throw new MalformedOutputException("the JSON object has no \"pairs\" array");
        }
        var result = new List<Proposal>();
        var index = 0;
        foreach (var pair in pairs.EnumerateArray().Take(MaxProposals))
        {
            var missing = new List<string>();
            var text = Text(pair, "question", missing);
            var answer = Text(pair, "answer", missing);
            var type = Optional(pair, "taskType");
            result.Add(new Proposal(index++, text, OptionsOf(pair), answer, type, null, null, null,
                missing.Count == 0 ? null : string.Join(", ", missing)));
        }
        return result;
    }

    public static IReadOnlyList<Proposal> ReadT2q(string content)
    {
        var root = Parse(content);
        if (!root.TryGetProperty("points", out var points) || points.ValueKind != JsonValueKind.Array)
        {
            throw new MalformedOutputException("the JSON object has no \"points\" array");
        }
        var result = new List<Proposal>();
        var index = 0;
        foreach (var point in points.EnumerateArray())
        {
            var pointMissing = new List<string>();
            var statement = Text(point, "statement", pointMissing);
            var kind = Optional(point, "kind")?.ToLowerInvariant();
            if (point.ValueKind != JsonValueKind.Object || !point.TryGetProperty("questions", out var questions) || questions.ValueKind != JsonValueKind.Array
                || questions.GetArrayLength() == 0)
            {
                pointMissing.Add("questions");
                result.Add(new Proposal(index++, null, null, null, kind, null, null, statement, string.Join(", ", pointMissing)));
                continue;
            }
            foreach (var q in questions.EnumerateArray())
            {
                var missing = new List<string>(pointMissing);
                var text = Text(q, "question", missing);
                var answer = Text(q, "answer", missing);
                result.Add(new Proposal(index++, text, OptionsOf(q), answer, kind, null, null, statement, missing.Count == 0 ? null : string.Join(", ", missing)));
                if (result.Count >= MaxProposals)
                {
                    return result;
                }
            }
        }
        return result;
    }

    internal static JsonElement Parse(string content)
    {
        var text = (content ?? string.Empty).Trim();
        if (text.StartsWith("```", StringComparison.Ordinal))
        {
            var firstLine = text.IndexOf('\n', StringComparison.Ordinal);
            var close = text.LastIndexOf("```", StringComparison.Ordinal);
            if (firstLine > 0 && close > firstLine)
            {
                text = text[(firstLine + 1)..close].Trim();
            }
        }
        if (text.Length == 0)
        {
            throw new MalformedOutputException("the answer is empty");
        }
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedOutputException($"the answer is a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new MalformedOutputException($"not valid JSON ({e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.', ' ')}, line {e.LineNumber + 1}, byte {e.BytePositionInLine})");
        }
    }

    private static string? Text(JsonElement obj, string name, List<string> missing, string? label = null)
    {
        var value = Optional(obj, name);
        if (value is null)
        {
            missing.Add(label ?? name);
        }
        return value;
    }

    private static string? Optional(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var v))
        {
            return null;
        }
        var text = v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    private static List<string>? OptionsOf(JsonElement obj)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty("options", out var o) || o.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var list = o.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!.Trim()).Where(x => x.Length > 0).ToList();
        return list.Count == 0 ? null : list;
    }
}
