using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Curation;

/// <summary>Where one input question ended up.</summary>
/// <param name="Id">The question.</param>
/// <param name="ClusterId">The id of the question kept for its cluster (its own id when it is kept).</param>
/// <param name="Kept">True for the one question of its cluster that stays.</param>
/// <param name="Rule">How it was first linked into its cluster (<c>exact</c> or <c>near</c>); null when it matched nothing earlier.</param>
public sealed record DedupAssignment(string Id, string ClusterId, bool Kept, string? Rule);

/// <summary>The outcome of clustering, in input order.</summary>
public sealed record DedupResult(IReadOnlyList<DedupAssignment> Assignments)
{
    /// <summary>How many questions are kept (one per cluster).</summary>
    public int KeptCount => Assignments.Count(a => a.Kept);

    /// <summary>How many questions are duplicates of a kept one.</summary>
    public int DuplicateCount => Assignments.Count - KeptCount;
}

/// <summary>
/// Finds exact and near duplicates among questions while keeping counterfactual variants apart. The one service
/// dedup, decontamination and A2Q's "variant is not its parent" check share.
/// </summary>
public interface IDuplicateDetector
{
    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> are duplicates, with the rule and the reason.</summary>
    DuplicateVerdict Compare(string a, string b);

    /// <summary>
    /// Clusters <paramref name="items"/> (enumerated once, streaming) and keeps one question per cluster by
    /// <paramref name="keepRule"/> (default: first seen). Ids must be unique.
    /// </summary>
    DedupResult Cluster(IEnumerable<DedupItem> items, KeepRule? keepRule = null, CancellationToken cancellationToken = default);

    /// <summary>Clustering that is fed one question at a time; <see cref="DuplicateClustering.Finish"/> gives the result.</summary>
    DuplicateClustering StartClustering();

    /// <summary>An empty index with the configured settings, for callers that look questions up against a fixed set.</summary>
    DuplicateIndex CreateIndex();
}

/// <inheritdoc />
public sealed class DuplicateDetector(IOptions<DedupOptions> options, TextNormalizer normalizer) : IDuplicateDetector
{
    private readonly DedupOptions _options = options.Value;
    private readonly MinHasher _hasher = new(options.Value);

    /// <summary>A detector with the given settings, for code without a container (the CLI, tests).</summary>
    public static DuplicateDetector Create(DedupOptions? options = null) =>
        new(Options.Create(options ?? new DedupOptions()), TextNormalizer.Instance);

    public DuplicateVerdict Compare(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var left = normalizer.Normalize(a);
        return DuplicateRules.Compare(QuestionFeatures.Of(left), _hasher.Shingles(left.Key), normalizer.Normalize(b), _hasher, _options);
    }

    public DuplicateIndex CreateIndex() => new(_options, normalizer);

    public DedupResult Cluster(IEnumerable<DedupItem> items, KeepRule? keepRule = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var clustering = StartClustering();
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            clustering.Add(item);
        }

        return clustering.Finish(keepRule);
    }

    public DuplicateClustering StartClustering() => new(CreateIndex());
}

/// <summary>
/// Clustering fed one question at a time (for callers that push, such as a file reader): union-find over the
/// matches the index reports, then one kept question per cluster.
/// </summary>
public sealed class DuplicateClustering
{
    private readonly DuplicateIndex _index;
    private readonly List<int> _parent = [];
    private readonly List<DedupMember> _members = [];
    private readonly List<string?> _rules = [];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    internal DuplicateClustering(DuplicateIndex index) => _index = index;

    /// <summary>How many questions were added.</summary>
    public int Count => _members.Count;

    /// <summary>Adds one question; throws <see cref="ArgumentException"/> for an id seen before.</summary>
    public void Add(DedupItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var ordinal = _members.Count;
        if (!_ids.TryAdd(item.Id, ordinal))
        {
            throw new ArgumentException($"duplicate id \"{item.Id}\" (first seen as item {_ids[item.Id] + 1})", nameof(item));
        }

        _parent.Add(ordinal);
        _members.Add(new DedupMember(item.Id, item.Origin, item.Verified, item.CreatedAt, ordinal));
        string? rule = null;
        // Candidates already in this question's cluster need no check: union-find knows.
        _index.Add(item.Text, c => Find(c) == Find(ordinal), match =>
        {
            rule ??= match.Verdict.Rule;
            Union(ordinal, match.Ordinal);
        });
        _rules.Add(rule);
    }

    /// <summary>The clusters so far, one question kept in each by <paramref name="keepRule"/> (default: first seen).</summary>
    public DedupResult Finish(KeepRule? keepRule = null)
    {
        keepRule ??= KeepRule.FirstSeen;
        var best = new Dictionary<int, DedupMember>();
        foreach (var member in _members)
        {
            var root = Find(member.Ordinal);
            if (!best.TryGetValue(root, out var current) || keepRule.Compare(member, current) < 0)
            {
                best[root] = member;
            }
        }

        var assignments = new DedupAssignment[_members.Count];
        foreach (var member in _members)
        {
            var kept = best[Find(member.Ordinal)];
            assignments[member.Ordinal] = new DedupAssignment(member.Id, kept.Id, kept.Ordinal == member.Ordinal, _rules[member.Ordinal]);
        }

        return new DedupResult(assignments);
    }

    private int Find(int x)
    {
        while (_parent[x] != x)
        {
            _parent[x] = _parent[_parent[x]];
            x = _parent[x];
        }

        return x;
    }

    private void Union(int a, int b)
    {
        var ra = Find(a);
        var rb = Find(b);
        if (ra != rb)
        {
            // The smaller ordinal becomes the root, so a cluster's root is its first member.
            _parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
    }
}
