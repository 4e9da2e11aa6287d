using System.Globalization;
using System.Text.RegularExpressions;
using DeepFinance.Core.Data;

namespace DeepFinance.Core.Extraction;

/// <summary>A difficulty guessed from the question alone, and the score that gave it (stored as the label's detail).</summary>
public sealed record DifficultyGuess(Difficulty Difficulty, int Score, string Rule);

/// <summary>
/// The rule every new question's difficulty starts from, before any sample is drawn. One point each for:
/// 4+ figures in the question (two for 8+); a chain of steps ("then", "respectively", "再", "分别", a second question
/// mark; two points for 3+ markers); a long text (300+ characters; two points for 800+); a choice question with 5+
/// options or a multi-answer key such as <c>ABD</c>; a table (3+ lines with <c>|</c>). Score 0 is Simple, 1–2 Medium,
/// 3+ Hard. Cheap and blunt on purpose: the pass rate, an expert, the classifier or an operator refine it.
/// </summary>
public static partial class DifficultyEstimator
{
    public static DifficultyGuess Estimate(string text, IReadOnlyList<string>? options, string? answer)
    {
        ArgumentNullException.ThrowIfNull(text);
        var all = options is { Count: > 0 } ? text + "\n" + string.Join("\n", options) : text;
        var numbers = Numbers().Matches(text).Count;
        var steps = Steps().Matches(text).Count + Math.Max(0, QuestionMarks().Matches(text).Count - 1);
        var length = all.Length;
        var optionCount = options is { Count: > 0 } ? options.Count : DerivedWork.InlineOptionCount(text);
        var multi = answer is { } a && MultiAnswer().IsMatch(a.Trim());
        var table = text.Split('\n').Count(l => l.Count(c => c == '|') >= 2) >= 3;

        var score = (numbers >= 8 ? 2 : numbers >= 4 ? 1 : 0)
            + (steps >= 3 ? 2 : steps >= 1 ? 1 : 0)
            + (length >= 800 ? 2 : length >= 300 ? 1 : 0)
            + (optionCount >= 5 || multi ? 1 : 0)
            + (table ? 1 : 0);
        var difficulty = score == 0 ? Difficulty.Simple : score <= 2 ? Difficulty.Medium : Difficulty.Hard;
        var rule = string.Create(CultureInfo.InvariantCulture,
            $"figures {numbers}, steps {steps}, length {length}, options {optionCount}{(multi ? ", multi-answer" : "")}{(table ? ", table" : "")} → score {score}");
        return new DifficultyGuess(difficulty, score, rule);
    }

    [GeneratedRegex(@"\d+(?:[.,]\d+)?")]
    private static partial Regex Numbers();

    [GeneratedRegex(@"\bthen\b|\bafterwards\b|\brespectively\b|\bfirst\b.*?\bsecond\b|然后|再|分别|其次|进而|并计算|并求", RegexOptions.IgnoreCase)]
    private static partial Regex Steps();

    [GeneratedRegex(@"[?？]")]
    private static partial Regex QuestionMarks();

    [GeneratedRegex(@"^[A-Fa-f](?:\s*[,、，]?\s*[A-Fa-f])+$")]
    private static partial Regex MultiAnswer();
}
