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
        var result = desensitizer.Desensitize(text);
        return result.Entities
            .Select(e => new PiiFinding(field, e.Type, e.Level.ToString(), e.Start, e.End - e.Start, ContextOf(text, e.Start, e.End, e.Type)))
            .ToList();
    }

    /// <summary>The replacement the desensitizer gives the span at <paramref name="start"/>, or a placeholder when the text moved.</summary>
    public string ReplacementFor(string text, int start, int length, string entityType)
    {
        var found = desensitizer.Desensitize(text).Entities.FirstOrDefault(e => e.Start == start && e.End == start + length);
        return found?.Replacement ?? $"[{EntityTypes.LabelOf(entityType, text.Any(IsHan))}]";
    }

    /// <summary>The text around a span, the span shown as its type's label.</summary>
    public static string ContextOf(string text, int start, int end, string entityType)
    {
        var from = Math.Max(0, start - ContextChars);
        var to = Math.Min(text.Length, end + ContextChars);
        var label = $"[{EntityTypes.LabelOf(entityType, text.Any(IsHan))}]";
        var context = (from > 0 ? "…" : "") + text[from..start] + label + text[end..to] + (to < text.Length ? "…" : "");
        return context.Replace('\n', ' ').Replace('\r', ' ');
    }

    private static bool IsHan(char c) => c is >= '\u4e00' and <= '\u9fff';
}
