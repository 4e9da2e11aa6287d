using DeepFinance.Core.Privacy.Desensitization;

namespace DeepFinance.Core.Release;

/// <summary>One piece of personal data in one field of a frozen item, found by the desensitizer's recognizers.</summary>
public sealed record PiiFinding(string Field, string EntityType, string Level, int Start, int Length, string Context);

/// <summary>
/// Runs the desensitizer over a release's text (question, reasoning, answer) and describes each hit in context with
/// the value itself masked, so the list of hits does not spread what it lists.
/// </summary>
public sealed class ReleasePiiScanner(Desensitizer desensitizer)
{
    public const string QuestionField = "question";
    public const string ReasoningField = "reasoning";
    public const string AnswerField = "answer";

    /// <summary>Characters of surrounding text shown on each side of a hit.</summary>
    public const int ContextChars = 40;

    public IReadOnlyList<PiiFinding> Scan(string field, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }
        var entities = desensitizer.Desensitize(text).Entities;
        var spans = entities.Select(e => (e.Start, e.End, e.Type)).ToList();
        return entities
            .Select(e => new PiiFinding(field, e.Type, e.Level.ToString(), e.Start, e.End - e.Start, ContextOf(text, e.Start, e.End, spans)))
            .ToList();
    }

    /// <summary>The replacement the desensitizer gives the span at <paramref name="start"/>, or a placeholder when the text moved.</summary>
    public string ReplacementFor(string text, int start, int length, string entityType)
    {
        var found = desensitizer.Desensitize(text).Entities.FirstOrDefault(e => e.Start == start && e.End == start + length);
        return found?.Replacement ?? $"[{EntityTypes.LabelOf(entityType, text.Any(IsHan))}]";
    }

    /// <summary>
    /// The text around a span; the span and every other personal value in the window are shown as their type's label
    /// (the hit itself marked with »«), so a hit's context never carries personal data.
    /// </summary>
    public static string ContextOf(string text, int start, int end, IReadOnlyList<(int Start, int End, string Type)> spans)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(spans);
        var from = Math.Max(0, start - ContextChars);
        var to = Math.Min(text.Length, end + ContextChars);
        var chinese = text.Any(IsHan);
        var context = new System.Text.StringBuilder(from > 0 ? "…" : "");
        var at = from;
        foreach (var span in spans.Where(s => s.End > from && s.Start < to).OrderBy(s => s.Start))
        {
            var spanStart = Math.Max(span.Start, at);
            context.Append(text, at, spanStart - at);
            var label = $"[{EntityTypes.LabelOf(span.Type, chinese)}]";
            context.Append(span.Start == start && span.End == end ? $"»{label}«" : label);
            at = Math.Max(at, Math.Min(span.End, text.Length));
        }
        // Window edges that cut into a value were covered by its label; what remains is plain text.
        if (at < to)
        {
            context.Append(text, at, to - at);
        }
        if (to < text.Length)
        {
            context.Append('…');
        }
        return context.ToString().Replace('\n', ' ').Replace('\r', ' ');
    }

    private static bool IsHan(char c) => c is >= '\u4e00' and <= '\u9fff';
}
