using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DeepFinance.Core.Tests.Privacy.Desensitization;

/// <summary>The bar of issue 10 on the shared dev set, scored as eval/README.md §2 describes (the test reads the key; the system does not).</summary>
public sealed partial class PiiDevSetTests
{
    [GeneratedRegex(@"\d(?:[\s\-.·()+/]*\d)*")]
    private static partial Regex DigitRun();

    private static string Fold(string s) =>
        new string(s.Normalize(NormalizationForm.FormKC).Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray()).ToLower(CultureInfo.InvariantCulture);

    [Fact]
    public void Pii_dev_set_leaks_nothing_and_keeps_at_least_95_percent()
    {
        var path = Verification.DevSetTests.FindDevSet("pii.dev.jsonl");
        if (path is null)
        {
            return;
        }

        int values = 0, keeps = 0, kept = 0;
        var leaks = new List<string>();
        var lost = new List<string>();
        foreach (var line in File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            var root = JsonDocument.Parse(line).RootElement;
            var output = Synthetic.Redact(root.GetProperty("text").GetString()!).Text;
            var runs = DigitRun().Matches(output).Select(m => new string(m.Value.Where(char.IsAsciiDigit).ToArray())).ToList();
            foreach (var pii in root.GetProperty("pii").EnumerateArray())
            {
                values++;
                var value = pii.GetProperty("value").GetString()!;
                var digits = new string(value.Normalize(NormalizationForm.FormKC).Where(char.IsAsciiDigit).ToArray());
                var numeric = pii.GetProperty("type").GetString() is "cn_id" or "phone" or "landline" or "bank_card" or "account_no";
                if (Fold(output).Contains(Fold(value), StringComparison.Ordinal) || (numeric && digits.Length >= 7 && runs.Any(r => r.Contains(digits, StringComparison.Ordinal))))
                {
                    leaks.Add($"{root.GetProperty("id").GetString()}: {value}");
                }
            }

            foreach (var keep in root.GetProperty("keep").EnumerateArray().Select(k => k.GetString()!))
            {
                keeps++;
                if (output.Contains(keep, StringComparison.Ordinal))
                {
                    kept++;
                }
                else
                {
                    lost.Add($"{root.GetProperty("id").GetString()}: {keep}");
                }
            }
        }

        Assert.True(values > 0);
        Assert.True(leaks.Count == 0, "leaked: " + string.Join("; ", leaks));
        Assert.True(kept >= 0.95 * keeps, "lost: " + string.Join("; ", lost));
    }
}
