using DeepFinance.Core.Data;

namespace DeepFinance.Core.Rewriting;

/// <summary>
/// The training reasoning of a self-corrected item, in the method's shape: the original flawed thinking kept at the
/// head, then each round's reflection and rewrite in order (T ⊕ T_rf ⊕ T_rw ⊕ …). The answer is the last rewrite's.
/// Releases take it from here; the rewrite prompt feeds the same text back as "the thinking so far".
/// </summary>
public static class ScrReasoning
{
    public const string Separator = "\n\n";

    /// <param name="original">The round-0 trace.</param>
    /// <param name="rounds">Rounds 1..n in order, each with its reflection and rewrite.</param>
    public static string Compose(CotTrace original, IEnumerable<CotTrace> rounds)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(rounds);
        var parts = new List<string> { Thinking(original) };
        foreach (var round in rounds)
        {
            parts.Add((round.Reflection ?? "").Trim());
            parts.Add(Thinking(round));
        }
        return string.Join(Separator, parts.Where(p => p.Length > 0));
    }

    /// <summary>A trace's thinking: its reasoning, or its answer text when the synthesizer gave no separate reasoning.</summary>
    public static string Thinking(CotTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return (string.IsNullOrWhiteSpace(trace.Reasoning) ? trace.Answer ?? "" : trace.Reasoning).Trim();
    }

    /// <summary>A chain from its round-0 trace to <paramref name="last"/>, read through <c>ParentTraceId</c> in <paramref name="byId"/>.</summary>
    public static IReadOnlyList<CotTrace> Chain(CotTrace last, IReadOnlyDictionary<long, CotTrace> byId)
    {
        ArgumentNullException.ThrowIfNull(last);
        ArgumentNullException.ThrowIfNull(byId);
        var chain = new List<CotTrace> { last };
        var current = last;
        while (current.Round > 0 && current.ParentTraceId is { } parent && byId.TryGetValue(parent, out var up) && chain.Count <= 64)
        {
            chain.Add(up);
            current = up;
        }
        chain.Reverse();
        return chain;
    }
}
