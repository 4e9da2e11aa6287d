using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeepFinance.LlmSim;

/// <summary>One question the oracle knows, with its reference answer.</summary>
/// <param name="TaskType">The task type the classifier step answers for this question (<c>task_type</c> in the file), if given.</param>
/// <param name="Difficulty">The difficulty it answers (<c>difficulty</c> in the file), if given.</param>
public sealed record OracleEntry(string Question, string Answer, IReadOnlyList<string> Options, int Line, string? TaskType = null, string? Difficulty = null)
{
    /// <summary>The question with all white space removed, as matching compares it.</summary>
    public string Key { get; } = TextKey.Of(Question);
}

/// <summary>One scripted reply and the condition that selects it.</summary>
public sealed record ScriptEntry(string? Contains, string? Model, string Content, string? Reasoning, int Line)
{
    public bool Matches(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Model is not null && !string.Equals(Model, request.Model, StringComparison.Ordinal))
        {
            return false;
        }

        return string.IsNullOrEmpty(Contains) || request.AllContent.Contains(Contains, StringComparison.Ordinal);
    }
}

/// <summary>White-space-free text used to find oracle questions inside prompts.</summary>
public static class TextKey
{
    public static string Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            if (!char.IsWhiteSpace(ch))
            {
                builder.Append(ch);
            }
        }

        return builder.ToString();
    }
}

/// <summary>Reads the oracle and script JSONL files. Errors name the file and line.</summary>
public static class AnswerFileReader
{
    public static IReadOnlyList<OracleEntry> ReadOracle(string path)
    {
        var entries = new List<OracleEntry>();
        foreach (var (line, root) in ReadObjects(path))
        {
            var question = RequiredText(root, "question", path, line);
            var answer = OptionalText(root, "answer") ?? OptionalText(root, "reference")
                ?? throw Bad(path, line, "needs an 'answer' or 'reference'");
            var options = new List<string>();
            if (root.TryGetProperty("options", out var o) && o.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in o.EnumerateArray())
                {
                    options.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText());
                }
            }

            if (TextKey.Of(question).Length == 0)
            {
                throw Bad(path, line, "'question' is blank");
            }

            entries.Add(new OracleEntry(question, answer.Trim(), options, line, OptionalText(root, "task_type"), OptionalText(root, "difficulty")));
        }

        return entries;
    }

    public static IReadOnlyList<ScriptEntry> ReadScript(string path)
    {
        var entries = new List<ScriptEntry>();
        foreach (var (line, root) in ReadObjects(path))
        {
            string? contains = null;
            string? model = null;
            if (root.TryGetProperty("match", out var match))
            {
                if (match.ValueKind != JsonValueKind.Object)
                {
                    throw Bad(path, line, "'match' must be an object");
                }

                contains = OptionalText(match, "contains");
                model = OptionalText(match, "model");
            }

            var content = root.TryGetProperty("content", out var c) && c.ValueKind != JsonValueKind.String && c.ValueKind != JsonValueKind.Null
                ? c.GetRawText() // a JSON object as content is sent as its JSON text
                : RequiredText(root, "content", path, line);
            entries.Add(new ScriptEntry(contains, model, content, OptionalText(root, "reasoning"), line));
        }

        return entries;
    }

    private static IEnumerable<(int Line, JsonElement Root)> ReadObjects(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the file: {ex.Message}", ex);
        }

        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(lines[i]);
                root = doc.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw Bad(path, i + 1, $"is not valid JSON ({ex.Message})");
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, i + 1, "must be a JSON object");
            }

            yield return (i + 1, root);
        }
    }

    private static string RequiredText(JsonElement root, string name, string path, int line) =>
        OptionalText(root, name) ?? throw Bad(path, line, $"needs a '{name}'");

    private static string? OptionalText(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e))
        {
            return null;
        }

        return e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    private static InvalidDataException Bad(string path, int line, string message) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{path}:{line}: {message}."));
}

/// <summary>Keeps a parsed file until the file changes on disk or another path is configured.</summary>
internal sealed class CachedFile<T>
    where T : class
{
    private readonly Func<string, T> _load;
    private readonly Lock _gate = new();
    private (string Path, DateTime Written, long Length, T Value)? _current;

    public CachedFile(Func<string, T> load) => _load = load;

    public T? Get(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new InvalidDataException($"{path}: the file does not exist.");
        }

        lock (_gate)
        {
            if (_current is { } c && c.Path == path && c.Written == info.LastWriteTimeUtc && c.Length == info.Length)
            {
                return c.Value;
            }

            var value = _load(path);
            _current = (path, info.LastWriteTimeUtc, info.Length, value);
            return value;
        }
    }
}
