using System.Text;

namespace DeepFinance.Core.Privacy.Desensitization;

/// <summary>
/// The text recognizers match on: NFKC per code point (full-width digits and punctuation become ASCII),
/// dashes and middle dots folded to one form. Each normalized char remembers the original code units it
/// came from, so spans found here map back to the untouched original.
/// </summary>
public sealed class NormalizedText
{
    private readonly int[] _originalStart;
    private readonly int[] _originalEnd;

    private NormalizedText(string original, string text, int[] originalStart, int[] originalEnd)
    {
        Original = original;
        Text = text;
        _originalStart = originalStart;
        _originalEnd = originalEnd;
    }

    public string Original { get; }

    /// <summary>The normalized text; used for matching only, never written out.</summary>
    public string Text { get; }

    public static NormalizedText Of(string original)
    {
        ArgumentNullException.ThrowIfNull(original);
        var text = new StringBuilder(original.Length);
        var starts = new List<int>(original.Length);
        var ends = new List<int>(original.Length);
        for (var i = 0; i < original.Length;)
        {
            var length = char.IsSurrogatePair(original, i) ? 2 : 1;
            var piece = original.Substring(i, length);
            // A lone surrogate cannot be normalized; it is kept as it is.
            if (!(length == 1 && char.IsSurrogate(piece[0])) && !piece.IsNormalized(NormalizationForm.FormKC))
            {
                piece = piece.Normalize(NormalizationForm.FormKC);
            }

            foreach (var c in piece)
            {
                text.Append(Fold(c));
                starts.Add(i);
                ends.Add(i + length);
            }

            i += length;
        }

        return new NormalizedText(original, text.ToString(), [.. starts], [.. ends]);
    }

    /// <summary>The original span (UTF-16 offsets) covering normalized chars [start, end).</summary>
    public (int Start, int End) ToOriginal(int start, int end)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(end, Text.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(start, end);
        return (_originalStart[start], _originalEnd[end - 1]);
    }

    private static char Fold(char c) => c switch
    {
        '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2015' or '\u2212' or '\uFE63' => '-',
        '\u30FB' or '\u2022' or '\u2027' or '\u2219' or '\u22C5' or '\u2024' => '\u00B7',
        '\u00A0' or '\u3000' or '\t' => ' ',
        _ => c,
    };
}
