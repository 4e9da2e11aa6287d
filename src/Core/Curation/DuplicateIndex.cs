namespace DeepFinance.Core.Curation;

/// <summary>An indexed question that a new one duplicates.</summary>
/// <param name="Ordinal">Position of the indexed question (the order it was added, from 0).</param>
public sealed record DuplicateMatch(int Ordinal, DuplicateVerdict Verdict);

/// <summary>
/// A growing index of questions for duplicate lookup without comparing every pair: an exact table over normalised
/// keys, and MinHash LSH bands over character n-grams whose candidates the guard then checks. Per question it
/// keeps only a compact normalised form and one slot per band, so memory grows with the index and nothing else.
/// Not thread-safe: one writer at a time.
/// </summary>
public sealed class DuplicateIndex
{
    private readonly DedupOptions _options;
    private readonly TextNormalizer _normalizer;
    private readonly MinHasher _hasher;

    // Compact normalised text per ordinal; null for an exact duplicate of an earlier entry (it adds nothing to find).
    private readonly List<string?> _compact = [];
    private readonly Dictionary<ulong, int> _exact = [];

    // LSH buckets as linked lists in flat arrays: _heads[bandKey] is the newest slot; _next[slot] the one before.
    private readonly Dictionary<ulong, int> _heads = [];
    private readonly List<int> _next = [];
    private readonly List<int> _slotOwner = [];

    public DuplicateIndex(DedupOptions options, TextNormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _normalizer = normalizer ?? TextNormalizer.Instance;
        _hasher = new MinHasher(options);
    }

    /// <summary>How many questions were added.</summary>
    public int Count => _compact.Count;

    /// <summary>The indexed questions <paramref name="text"/> duplicates (it is not added).</summary>
    /// <param name="skip">Ordinals not worth checking (already known to be in the same cluster, say).</param>
    public IReadOnlyList<DuplicateMatch> Find(string text, Func<int, bool>? skip = null) => Probe(text, skip, null).Matches;

    /// <summary>Adds <paramref name="text"/> and returns its ordinal and the earlier questions it duplicates.</summary>
    /// <param name="skip">Ordinals not worth checking, asked just before each candidate is checked.</param>
    /// <param name="onMatch">Told of each match as it is found, so <paramref name="skip"/> can take it into account.</param>
    public (int Ordinal, IReadOnlyList<DuplicateMatch> Matches) Add(string text, Func<int, bool>? skip = null, Action<DuplicateMatch>? onMatch = null)
    {
        var probe = Probe(text, skip, onMatch);
        var ordinal = _compact.Count;
        if (probe.ExactOf >= 0)
        {
            _compact.Add(null);
            return (ordinal, probe.Matches);
        }

        _compact.Add(probe.Text.ToCompact());
        _exact[probe.KeyHash] = ordinal;
        var bandKeys = probe.BandKeys!;
        for (var b = 0; b < bandKeys.Length; b++)
        {
            var slot = _next.Count;
            _next.Add(_heads.TryGetValue(bandKeys[b], out var head) ? head : -1);
            _slotOwner.Add(ordinal);
            _heads[bandKeys[b]] = slot;
        }

        return (ordinal, probe.Matches);
    }

    private Probed Probe(string text, Func<int, bool>? skip, Action<DuplicateMatch>? onMatch)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = _normalizer.Normalize(text);
        var keyHash = StableHash.Of(normalized.Key);
        var matches = new List<DuplicateMatch>();
        if (_exact.TryGetValue(keyHash, out var exact) && NormalizedText.FromCompact(_compact[exact]!).Key == normalized.Key)
        {
            matches.Add(new DuplicateMatch(exact, new DuplicateVerdict(true, "exact", 1, "the same text after normalisation")));
            onMatch?.Invoke(matches[0]);
            return new Probed(normalized, keyHash, exact, null, matches);
        }

        var features = QuestionFeatures.Of(normalized);
        var shingles = _hasher.Shingles(normalized.Key);
        var bandKeys = _hasher.BandKeys(shingles, features.BlockKey);
        var seen = new HashSet<int>();
        foreach (var bandKey in bandKeys)
        {
            if (!_heads.TryGetValue(bandKey, out var slot))
            {
                continue;
            }

            for (; slot >= 0 && seen.Count < _options.MaxCandidates; slot = _next[slot])
            {
                var candidate = _slotOwner[slot];
                if (!seen.Add(candidate) || (skip is not null && skip(candidate)))
                {
                    continue;
                }

                var other = NormalizedText.FromCompact(_compact[candidate]!);
                var verdict = DuplicateRules.Compare(features, shingles, other, _hasher, _options);
                if (verdict.IsDuplicate)
                {
                    var match = new DuplicateMatch(candidate, verdict);
                    matches.Add(match);
                    onMatch?.Invoke(match);
                }
            }
        }

        return new Probed(normalized, keyHash, -1, bandKeys, matches);
    }

    private sealed record Probed(NormalizedText Text, ulong KeyHash, int ExactOf, ulong[]? BandKeys, List<DuplicateMatch> Matches);
}

/// <summary>The one definition of "duplicate" every caller shares: same key, or similar enough and passing the guard.</summary>
internal static class DuplicateRules
{
    public static DuplicateVerdict Compare(QuestionFeatures a, HashSet<ulong> shinglesA, NormalizedText b, MinHasher hasher, DedupOptions options)
    {
        if (a.Text.Key == b.Key)
        {
            return new DuplicateVerdict(true, "exact", 1, "the same text after normalisation");
        }

        var similarity = MinHasher.Jaccard(shinglesA, hasher.Shingles(b.Key));
        if (similarity < options.Threshold)
        {
            return new DuplicateVerdict(false, "similarity", similarity, $"n-gram similarity {similarity:0.00} is below {options.Threshold:0.00}");
        }

        return DuplicateGuard.Check(a, QuestionFeatures.Of(b), similarity, options);
    }
}
