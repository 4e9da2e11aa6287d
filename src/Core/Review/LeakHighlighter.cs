using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace DeepFinance.Core.Review;

/// <summary>Marks the leak screen's hits in already-sanitized HTML, touching text between tags only, never a tag or attribute.</summary>
public static partial class LeakHighlighter
{
    public static string Mark(string safeHtml, IReadOnlyList<string> hits)
    {
        ArgumentNullException.ThrowIfNull(safeHtml);
        var encoded = (hits ?? []).Where(h => !string.IsNullOrWhiteSpace(h)).Select(h => WebUtility.HtmlEncode(h)).Distinct()
            .OrderByDescending(h => h.Length).ToList();
        if (encoded.Count == 0)
        {
            return safeHtml;
        }
        var pattern = new Regex(string.Join("|", encoded.Select(Regex.Escape)), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var result = new StringBuilder(safeHtml.Length + 64);
        foreach (var part in Tags().Split(safeHtml))
        {
            result.Append(part.StartsWith('<') ? part : pattern.Replace(part, m => $"<mark class=\"df-leak\">{m.Value}</mark>"));
        }
        return result.ToString();
    }

    [GeneratedRegex("(<[^>]*>)")]
    private static partial Regex Tags();
}
