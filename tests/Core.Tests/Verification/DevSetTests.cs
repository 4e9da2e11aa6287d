using System.Text.Json;
using DeepFinance.Core.Verification;

namespace DeepFinance.Core.Tests.Verification;

public sealed class DevSetTests
{
    /// <summary>
    /// The shared eval folder sits next to the repository root (the folder holding DeepFinance.sln), i.e.
    /// <c>../shared/eval</c>; from a git worktree nested one level deeper it is found further up, so every
    /// ancestor of the repository root is tried. Null when the file is absent.
    /// </summary>
    internal static string? FindDevSet(string fileName)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "DeepFinance.sln")))
        {
            root = root.Parent;
        }

        for (var dir = root?.Parent; dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "shared", "eval", fileName);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    [Fact]
    public void Answer_equivalence_dev_set_accuracy_is_at_least_98_percent()
    {
        var path = FindDevSet("answer-equivalence.dev.jsonl");
        if (path is null)
        {
            return;
        }

        var total = 0;
        var right = 0;
        var misses = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var options = root.TryGetProperty("options", out var o) && o.ValueKind == JsonValueKind.Array
                ? o.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList()
                : null;
            var input = new VerificationInput(
                root.GetProperty("reference").GetString()!,
                root.GetProperty("response").GetString()!,
                root.TryGetProperty("question", out var q) ? q.GetString() : null,
                options);

            // The test (not the verifier) reads the answer key.
            var expected = root.GetProperty("expected").GetString();
            var result = RuleVerifier.Instance.Verify(input);
            var got = result.Verdict switch
            {
                Verdict.Correct => "correct",
                Verdict.Incorrect => "incorrect",
                _ => "unverifiable",
            };
            total++;
            if (got == expected)
            {
                right++;
            }
            else
            {
                misses.Add($"{root.GetProperty("id").GetString()}: expected {expected}, got {got} ({result.Rule}: {result.Reason})");
            }
        }

        Assert.True(total > 0);
        var accuracy = (double)right / total;
        Assert.True(accuracy >= 0.98, $"accuracy {accuracy:0.0000}; misses:\n{string.Join('\n', misses)}");
    }
}
