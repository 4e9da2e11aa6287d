using System.Text;

namespace DeepFinance.Core.Curation;

/// <summary>A number in a question with the words right before and after it in its clause (its label: 年利率, 元买入).</summary>
internal readonly record struct BoundNumber(string Value, string[] Before, string[] After);

/// <summary>What the duplicate guard compares, computed once from a normalised question.</summary>
internal sealed class QuestionFeatures
{
    /// <summary>How many tokens on each side of a number name it.</summary>
    private const int ContextWidth = 2;

    private QuestionFeatures(NormalizedText text)
    {
        Text = text;
        var tokens = text.Tokens;
        var content = new Dictionary<string, int>(StringComparer.Ordinal);
        var negations = new List<string>();
        var numbers = new List<BoundNumber>();
        var joints = new Dictionary<string, int>(StringComparer.Ordinal);
        string? previous = null;
        var han = new StringBuilder();
        var words = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (IsClauseBreak(token))
            {
                previous = null;
            }
            else
            {
                // Adjacent pairs within a clause: a swap of whole clauses leaves them all in place.
                var pair = (previous ?? "^") + " " + token.Value;
                joints[pair] = joints.GetValueOrDefault(pair) + 1;
                previous = token.Value;
            }

            switch (token.Kind)
            {
                case TokenKind.Number:
                    numbers.Add(new BoundNumber(token.Value, Context(tokens, i, -1), Context(tokens, i, +1)));
                    break;
                case TokenKind.Word or TokenKind.Han or TokenKind.Symbol:
                    if (CurationLexicon.Negations.Contains(token.Value))
                    {
                        negations.Add(token.Value);
                    }

                    if (!CurationLexicon.Ignorable.Contains(token.Value))
                    {
                        content[token.Value] = content.GetValueOrDefault(token.Value) + 1;
                    }

                    if (token.Kind == TokenKind.Han)
                    {
                        han.Append(token.Value);
                    }
                    else if (token.Kind == TokenKind.Word)
                    {
                        words.Add(token.Value);
                    }

                    break;
            }

            if (token.Kind != TokenKind.Han)
            {
                // Chinese terms are matched within a run of characters, never across a number or a comma.
                han.Append(' ');
            }
        }

        negations.Sort(StringComparer.Ordinal);
        Content = content;
        Negations = negations;
        Numbers = numbers;
        Pairs = joints;
        Polarity = CountTerms(CurationLexicon.PolarityTerms, han.ToString(), words);
        Quantities = CountTerms(CurationLexicon.QuantityTerms, han.ToString(), words);
        var sortedNumbers = numbers.Select(n => n.Value).Order(StringComparer.Ordinal);
        BlockKey = StableHash.Of(string.Join('\u0001', sortedNumbers) + "\u0002" + string.Join('\u0001', negations));
    }

    public NormalizedText Text { get; }

    /// <summary>Token counts without numbers and without the ignorable function words.</summary>
    public IReadOnlyDictionary<string, int> Content { get; }

    public IReadOnlyList<string> Negations { get; }

    public IReadOnlyList<BoundNumber> Numbers { get; }

    /// <summary>
    /// Counts of adjacent token pairs within clauses (clauses end at punctuation and connectives; "^" starts one).
    /// A swap of whole clauses keeps them; moving words about inside clauses does not.
    /// </summary>
    public IReadOnlyDictionary<string, int> Pairs { get; }

    public IReadOnlyDictionary<string, int> Polarity { get; }

    public IReadOnlyDictionary<string, int> Quantities { get; }

    /// <summary>
    /// A hash of what any duplicate must share exactly (the multiset of numbers and of negations); the LSH index
    /// mixes it into every band so that counterfactual variants never even become candidates.
    /// </summary>
    public ulong BlockKey { get; }

    public static QuestionFeatures Of(NormalizedText text) => new(text);

    private static bool IsClauseBreak(TextToken token) =>
        token.Kind == TokenKind.Boundary || CurationLexicon.Connectives.Contains(token.Value);

    /// <summary>Up to <see cref="ContextWidth"/> tokens on one side, nearest first, stopping at a clause break or another number.</summary>
    private static string[] Context(IReadOnlyList<TextToken> tokens, int at, int step)
    {
        var context = new List<string>(ContextWidth);
        for (var j = at + step; j >= 0 && j < tokens.Count && context.Count < ContextWidth; j += step)
        {
            var token = tokens[j];
            if (IsClauseBreak(token) || token.Kind == TokenKind.Number)
            {
                break;
            }

            if (!CurationLexicon.Ignorable.Contains(token.Value))
            {
                context.Add(token.Value);
            }
        }

        return [.. context];
    }

    private static Dictionary<string, int> CountTerms(IReadOnlyList<string> terms, string han, List<string> words)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var term in terms)
        {
            int count;
            if (term[0] < 128)
            {
                count = words.Count(w => w == term);
            }
            else
            {
                count = 0;
                for (var at = han.IndexOf(term, StringComparison.Ordinal); at >= 0; at = han.IndexOf(term, at + term.Length, StringComparison.Ordinal))
                {
                    count++;
                }
            }

            if (count > 0)
            {
                counts[term] = count;
            }
        }

        return counts;
    }
}

/// <summary>A 64-bit FNV-1a hash that is the same in every process (string.GetHashCode is randomised).</summary>
internal static class StableHash
{
    public static ulong Of(string text) => Of(text.AsSpan());

    public static ulong Of(ReadOnlySpan<char> text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return Mix(hash);
    }

    /// <summary>The splitmix64 finaliser: spreads every input bit over the output.</summary>
    public static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return x;
    }
}
