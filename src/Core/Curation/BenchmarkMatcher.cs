namespace DeepFinance.Core.Curation;

/// <summary>A benchmark item a pool question copies: how (<c>exact</c>, <c>ngram</c>, <c>near-duplicate</c>) and how closely (0–1).</summary>
/// <param name="Item">The item's position in the matcher (the order it was added, from 0).</param>
public sealed record BenchmarkMatch(int Item, string Method, double Score);

/// <summary>
/// The benchmark items of one decontamination, held in memory (benchmarks are thousands of items, the pool is what is
/// large), and every way a pool question can copy one:
/// <list type="bullet">
/// <item><c>exact</c>: the same text after <see cref="TextNormalizer"/> (width, case, whitespace, punctuation, fillers);</item>
/// <item><c>ngram</c>: the question contains at least <see cref="DecontaminationOptions.NgramThreshold"/> of the item's token
/// n-grams (words for English, characters for Chinese). Numbers are tokens like any other but no guard runs: a copy with
/// one value changed still teaches the item's solution, so it counts;</item>
/// <item><c>near-duplicate</c>: the dedup index's MinHash candidates that pass its guard, with a few words' rewording allowed.</item>
/// </list>
/// Not thread-safe: add every item, then match.
/// </summary>
public sealed class BenchmarkMatcher
{
    private readonly DecontaminationOptions _options;
    private readonly TextNormalizer _normalizer;
    private readonly DuplicateIndex _index;

    // Index ordinal (exact duplicates among items share one) → the items it stands for.
    private readonly List<List<int>> _byIndexOrdinal = [];
    private int _items;

    // (n, n-gram) hash → items holding it, each item once; and per item the number of its distinct n-grams.
    private readonly Dictionary<ulong, List<int>> _postings = [];
    private readonly List<int> _ngramCounts = [];
    private readonly HashSet<int> _sizes = [];

    public BenchmarkMatcher(DecontaminationOptions options, DedupOptions dedup, TextNormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dedup);
        _options = options;
        _normalizer = normalizer ?? TextNormalizer.Instance;
        _index = new DuplicateIndex(new DedupOptions
        {
            NgramSize = dedup.NgramSize, Bands = dedup.Bands, Rows = dedup.Rows, Threshold = dedup.Threshold,
            MaxCandidates = dedup.MaxCandidates, MaxTokenDifference = options.MaxTokenDifference,
        }, _normalizer);
    }

    /// <summary>How many items were added.</summary>
    public int Count => _items;

    /// <summary>Adds a benchmark item's question and returns its position.</summary>
    public int Add(string itemText)
    {
        ArgumentNullException.ThrowIfNull(itemText);
        var item = _items++;
        var (ordinal, matches) = _index.Add(itemText);
        var exact = matches.FirstOrDefault(m => m.Verdict.Rule == "exact");
        if (exact is not null)
        {
            _byIndexOrdinal[exact.Ordinal].Add(item);
            _byIndexOrdinal.Add([]);
        }
        else
        {
            _byIndexOrdinal.Add([item]);
        }
        System.Diagnostics.Debug.Assert(_byIndexOrdinal.Count == ordinal + 1);

        var tokens = Tokens(itemText);
        var n = NgramSize(tokens);
        var grams = n is { } size ? Ngrams(tokens, size) : [];
        _ngramCounts.Add(grams.Count);
        if (n is { } used)
        {
            _sizes.Add(used);
        }
        foreach (var gram in grams)
        {
            if (!_postings.TryGetValue(gram, out var list))
            {
                _postings[gram] = list = [];
            }
            list.Add(item);
        }
        return item;
    }

    /// <summary>The items <paramref name="question"/> copies, one match per item (the strongest way), best first.</summary>
    public IReadOnlyList<BenchmarkMatch> Match(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var best = new Dictionary<int, BenchmarkMatch>();
        foreach (var match in _index.Find(question))
        {
            var method = match.Verdict.Rule == "exact" ? "exact" : "near-duplicate";
            foreach (var item in _byIndexOrdinal[match.Ordinal])
            {
                Keep(new BenchmarkMatch(item, method, match.Verdict.Similarity));
            }
        }

        if (_postings.Count > 0)
        {
            var tokens = Tokens(question);
            var shared = new Dictionary<int, int>();
            foreach (var size in _sizes)
            {
                foreach (var gram in Ngrams(tokens, size))
                {
                    if (_postings.TryGetValue(gram, out var items))
                    {
                        foreach (var item in items)
                        {
                            shared[item] = shared.GetValueOrDefault(item) + 1;
                        }
                    }
                }
            }
            foreach (var (item, count) in shared)
            {
                var score = (double)count / _ngramCounts[item];
                if (score >= _options.NgramThreshold)
                {
                    Keep(new BenchmarkMatch(item, "ngram", score));
                }
            }
        }

        return best.Values.OrderByDescending(m => m.Score).ThenBy(m => m.Item).ToList();

        void Keep(BenchmarkMatch match)
        {
            // Exact beats anything; otherwise the higher score stands.
            if (!best.TryGetValue(match.Item, out var current)
                || (current.Method != "exact" && (match.Method == "exact" || match.Score > current.Score)))
            {
                best[match.Item] = match;
            }
        }
    }

    /// <summary>The normalised tokens without clause boundaries: words, CJK characters, numbers, meaningful symbols.</summary>
    private List<TextToken> Tokens(string text) =>
        _normalizer.Normalize(text).Tokens.Where(t => t.Kind != TokenKind.Boundary).ToList();

    /// <summary>Characters for a mostly Chinese item, words otherwise; null when the item is shorter than one n-gram (exact and near-duplicate still apply).</summary>
    private int? NgramSize(List<TextToken> tokens)
    {
        var han = tokens.Count(t => t.Kind == TokenKind.Han);
        var n = han * 2 >= tokens.Count ? _options.HanNgram : _options.WordNgram;
        return tokens.Count >= n ? n : null;
    }

    /// <summary>The distinct n-grams of a token list, hashed together with n so sizes never collide.</summary>
    private static HashSet<ulong> Ngrams(List<TextToken> tokens, int n)
    {
        var set = new HashSet<ulong>();
        var hashes = tokens.Select(t => StableHash.Of(t.Value)).ToArray();
        for (var i = 0; i + n <= hashes.Length; i++)
        {
            var hash = StableHash.Mix((ulong)n * 0x9E3779B97F4A7C15UL);
            for (var j = i; j < i + n; j++)
            {
                hash = StableHash.Mix(hash ^ hashes[j]);
            }
            set.Add(hash);
        }
        return set;
    }
}
