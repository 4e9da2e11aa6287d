namespace DeepFinance.Core.Ingest;

/// <summary>A column (CSV) or field (JSONL) the importer does not read, with the line where it first appeared.</summary>
/// <param name="Column">1-based position in a CSV header; null for a JSONL field.</param>
public sealed record UnknownColumn(string Name, int Line, int? Column)
{
    /// <summary>How to name it to a person: a pandas index column has an empty name, so say where it stands.</summary>
    public string Display => Name.Length > 0 ? Name : Column is { } c ? $"(column {c}, no name)" : "(field with an empty name)";
}

/// <summary>
/// What one import has found so far: problems by line, and the columns it does not read. An unread column is a
/// problem unless the caller acknowledged it, so that data never disappears without someone having said so.
/// </summary>
internal sealed class ImportLog(bool ignoreUnknownColumns, InputLimits? limits = null, IReadOnlyCollection<string>? extraFields = null)
{
    public InputLimits Limits { get; } = limits ?? new InputLimits();

    private readonly HashSet<string> _extra = new(extraFields ?? [], StringComparer.OrdinalIgnoreCase);

    /// <summary>A field this import reads: a seed field, or one of the extra fields its importer asked for.</summary>
    public bool Reads(string name) => SeedFields.IsNamed(name) || _extra.Contains(name.Trim());

    private string Described => _extra.Count == 0 ? SeedFields.Described : $"{SeedFields.Described}, {string.Join(", ", _extra)}";

    private readonly HashSet<string> _seen = new(StringComparer.OrdinalIgnoreCase);

    public List<ImportError> Errors { get; } = [];

    public List<UnknownColumn> Unknown { get; } = [];

    public void Add(ImportError error) => Errors.Add(error);

    /// <summary>Records an unread column once, at the first line where it appears.</summary>
    public void ReportUnknown(string name, int line, int? column)
    {
        // Two unnamed CSV columns are two different columns; named ones are one column wherever they stand.
        if (!_seen.Add(name.Length == 0 && column is { } c ? $"#{c}" : name))
        {
            return;
        }
        var unknown = new UnknownColumn(name, line, column);
        Unknown.Add(unknown);
        if (!ignoreUnknownColumns)
        {
            Errors.Add(new ImportError(line, unknown.Display, column is null
                ? $"a field the importer does not read (first seen on this line); it reads {Described}"
                : $"a column the importer does not read; it reads {Described}"));
        }
    }
}

/// <summary>The columns a seed file may hold, and the rules for choice options and answers shared by CSV and JSONL.</summary>
internal static class SeedFields
{
    public const string Described = "question, answer, id, options, task_type, source, and A–F for options by letter";

    public const char LastOptionLetter = 'F';

    private static readonly HashSet<string> Named = new(StringComparer.OrdinalIgnoreCase) { "question", "answer", "id", "options", "task_type", "source" };

    public static bool IsNamed(string name) => Named.Contains(name);

    /// <summary>A column named by one letter A–F (any case, spaces around allowed) holds that option's text.</summary>
    public static char? OptionLetter(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.Length != 1)
        {
            return null;
        }
        var letter = char.ToUpperInvariant(trimmed[0]);
        return letter is >= 'A' and <= LastOptionLetter ? letter : null;
    }

    /// <summary>Option letters must run A, B, C… with no gap; names the first letter that stands after a missing one.</summary>
    public static bool CheckContiguous(IEnumerable<char> letters, int line, string what, List<ImportError> errors)
    {
        var expected = 'A';
        foreach (var letter in letters.Order())
        {
            if (letter != expected)
            {
                errors.Add(new ImportError(line, letter.ToString(), $"option {what} {letter} without {expected}; option {what}s must run A, B, C… with no gap"));
                return false;
            }
            expected++;
        }
        return true;
    }

    /// <summary>
    /// The options of one item from its letter cells in letter order. Trailing empty cells are fine (a three-option
    /// item in a four-option file); an empty cell before a filled one would shift every later letter, so it is refused.
    /// </summary>
    public static List<string>? FromLetters(int line, IReadOnlyList<string?> cells, List<ImportError> errors)
    {
        var values = cells.Select(c => c?.Trim() ?? "").ToList();
        var last = values.FindLastIndex(v => v.Length > 0);
        if (last < 0)
        {
            return null;
        }
        var gap = values.FindIndex(0, last, v => v.Length == 0);
        if (gap >= 0)
        {
            errors.Add(new ImportError(line, Letter(gap).ToString(), $"empty, but option {Letter(last)} after it is filled"));
            return null;
        }
        return values.Take(last + 1).ToList();
    }

    /// <summary>
    /// Refuses a choice answer that names a letter the item has no option for. A choice answer is one made only of
    /// capital letters, optionally separated (<c>B</c>, <c>ABD</c>, <c>A,C</c>, <c>A、C</c>), on an item that has
    /// options; an answer that is itself one of the option texts (an option "ROE" answered "ROE") is not a letter.
    /// Items without options are not checked even when the answer is a single letter: many exam sets, and our demo
    /// corpus, write the options into the question text, which the importer does not parse.
    /// </summary>
    public static void CheckChoiceAnswer(int line, string answer, List<string> options, List<ImportError> errors)
    {
        if (ChoiceLetters(answer) is not { } letters || options.Contains(answer, StringComparer.Ordinal))
        {
            return;
        }
        var outside = letters.Where(l => l - 'A' >= options.Count).Distinct().ToList();
        if (outside.Count > 0)
        {
            var range = options.Count == 1 ? "A" : $"A–{Letter(options.Count - 1)}";
            errors.Add(new ImportError(line, "answer",
                $"\"{answer}\" names option {string.Join(", ", outside)}, but the item has {options.Count} option(s) ({range})"));
        }
    }

    /// <summary>The letters of an answer made only of capital letters and separators, or null.</summary>
    internal static string? ChoiceLetters(string answer)
    {
        var letters = new List<char>();
        foreach (var ch in answer)
        {
            if (ch is >= 'A' and <= 'Z')
            {
                letters.Add(ch);
            }
            else if (ch is not (',' or '，' or '、' or ';' or '；' or '/' or ' ' or '\t'))
            {
                return null;
            }
        }
        return letters.Count == 0 ? null : new string(letters.ToArray());
    }

    private static char Letter(int index) => (char)('A' + index);
}
