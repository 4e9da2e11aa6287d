namespace DeepFinance.Core.Curation;

/// <summary>Whether two questions are duplicates, which rule decided it, and why, in words a reviewer can check.</summary>
/// <param name="IsDuplicate">True when one of the two may be dropped in favour of the other.</param>
/// <param name="Rule">
/// <c>exact</c> (same normalised key), <c>near</c> (similar and every guard passed), or the guard or threshold that
/// kept them apart: <c>similarity</c>, <c>numbers</c>, <c>negation</c>, <c>polarity</c>, <c>quantity</c>,
/// <c>wording</c>, <c>binding</c>, <c>order</c>.
/// </param>
/// <param name="Similarity">Jaccard similarity of the character n-grams of the normalised texts (1 for exact).</param>
/// <param name="Reason">What differs, or why they match.</param>
public sealed record DuplicateVerdict(bool IsDuplicate, string Rule, double Similarity, string Reason);

/// <summary>
/// The guard a candidate pair must pass to count as a near-duplicate: being similar is not enough when a value,
/// a negation, a polarity word, the asked-for quantity or the role of a number differs. Each rule names what it
/// found, so counterfactual variants (A2Q's whole point) are kept and the report says why.
/// </summary>
internal static class DuplicateGuard
{
    public static DuplicateVerdict Check(QuestionFeatures a, QuestionFeatures b, double similarity, DedupOptions options)
    {
        var numbersA = a.Numbers.Select(n => n.Value).Order(StringComparer.Ordinal).ToList();
        var numbersB = b.Numbers.Select(n => n.Value).Order(StringComparer.Ordinal).ToList();
        if (!numbersA.SequenceEqual(numbersB, StringComparer.Ordinal))
        {
            return Apart("numbers", similarity, $"numbers differ: {Describe(numbersA)} vs {Describe(numbersB)}");
        }

        if (!a.Negations.SequenceEqual(b.Negations, StringComparer.Ordinal))
        {
            return Apart("negation", similarity, $"negation differs: {Describe(a.Negations)} vs {Describe(b.Negations)}");
        }

        if (Difference(a.Polarity, b.Polarity) is { } polarity)
        {
            return Apart("polarity", similarity, $"polarity differs: {polarity}");
        }

        if (Difference(a.Quantities, b.Quantities) is { } quantity)
        {
            return Apart("quantity", similarity, $"asks for a different quantity: {quantity}");
        }

        var (onlyA, onlyB) = BagDifference(a.Content, b.Content);
        if (onlyA.Count + onlyB.Count > options.MaxTokenDifference)
        {
            return Apart("wording", similarity, $"wording differs: {Describe(onlyA)} vs {Describe(onlyB)}");
        }

        if ((Unbound(a, b) ?? Unbound(b, a)) is { } number)
        {
            return Apart("binding", similarity, $"the number {number} plays a different part (its neighbouring words differ)");
        }

        if (onlyA.Count + onlyB.Count == 0)
        {
            // One pair may differ on each side: a clause swap behind a shared lead-in (已知A，B → 已知B，A) moves one joint.
            var (pairsA, pairsB) = BagDifference(a.Pairs, b.Pairs);
            if (pairsA.Count > 1 || pairsB.Count > 1)
            {
                return Apart("order", similarity, $"the same words in an order that is not a swap of whole clauses ({Describe(pairsA)} vs {Describe(pairsB)})");
            }
        }

        return new DuplicateVerdict(true, "near", similarity, "similar, with the same numbers, negations and asked-for quantity");
    }

    private static DuplicateVerdict Apart(string rule, double similarity, string reason) => new(false, rule, similarity, reason);

    /// <summary>A number of <paramref name="a"/> that has no counterpart in <paramref name="b"/> with the same value and a compatible label.</summary>
    private static string? Unbound(QuestionFeatures a, QuestionFeatures b)
    {
        var used = new bool[b.Numbers.Count];
        foreach (var number in a.Numbers)
        {
            var found = false;
            for (var j = 0; j < b.Numbers.Count && !found; j++)
            {
                var other = b.Numbers[j];
                if (!used[j] && other.Value == number.Value && Compatible(number.Before, other.Before) && Compatible(number.After, other.After))
                {
                    used[j] = true;
                    found = true;
                }
            }

            if (!found)
            {
                return number.Value;
            }
        }

        return null;
    }

    /// <summary>Nearest-first contexts agree when the shorter one (cut by a clause break) starts the longer one.</summary>
    private static bool Compatible(string[] x, string[] y)
    {
        var n = Math.Min(x.Length, y.Length);
        for (var i = 0; i < n; i++)
        {
            if (x[i] != y[i])
            {
                return false;
            }
        }

        return true;
    }

    private static string? Difference(IReadOnlyDictionary<string, int> a, IReadOnlyDictionary<string, int> b)
    {
        var (onlyA, onlyB) = BagDifference(a, b);
        return onlyA.Count + onlyB.Count == 0 ? null : $"{Describe(onlyA)} vs {Describe(onlyB)}";
    }

    private static (List<string> OnlyA, List<string> OnlyB) BagDifference(IReadOnlyDictionary<string, int> a, IReadOnlyDictionary<string, int> b)
    {
        var onlyA = new List<string>();
        var onlyB = new List<string>();
        foreach (var (token, count) in a)
        {
            for (var k = b.GetValueOrDefault(token); k < count; k++)
            {
                onlyA.Add(token);
            }
        }

        foreach (var (token, count) in b)
        {
            for (var k = a.GetValueOrDefault(token); k < count; k++)
            {
                onlyB.Add(token);
            }
        }

        onlyA.Sort(StringComparer.Ordinal);
        onlyB.Sort(StringComparer.Ordinal);
        return (onlyA, onlyB);
    }

    private static string Describe(IReadOnlyCollection<string> items) => items.Count == 0 ? "(none)" : string.Join(' ', items);
}
