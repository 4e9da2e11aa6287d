namespace DeepFinance.Core.Curation;

/// <summary>A question handed to dedup: its id and text, and what the keep rule may weigh.</summary>
/// <param name="Id">Unique id of the question.</param>
/// <param name="Text">The question text (only this is compared).</param>
public sealed record DedupItem(string Id, string Text)
{
    /// <summary>Where the question came from (q2a, a2q, t2q, real-world …), for an origin-priority keep rule.</summary>
    public string? Origin { get; init; }

    /// <summary>Whether it has a trace that passed verification.</summary>
    public bool Verified { get; init; }

    /// <summary>When it was created; older is kept first when everything else ties.</summary>
    public DateTimeOffset? CreatedAt { get; init; }
}

/// <summary>What a keep rule sees of a cluster member: the item without its text, and its position in the input.</summary>
public sealed record DedupMember(string Id, string? Origin, bool Verified, DateTimeOffset? CreatedAt, int Ordinal);

/// <summary>
/// Chooses the one question kept from a duplicate cluster: the member that sorts first. Every rule ends with input
/// order, so the choice is deterministic.
/// </summary>
public abstract class KeepRule : IComparer<DedupMember>
{
    /// <summary>The first in input order is kept (the CLI's rule).</summary>
    public static KeepRule FirstSeen { get; } = new FirstSeenRule();

    /// <summary>
    /// Origin priority (earlier in <paramref name="originPriority"/> wins; unlisted origins after listed ones), then a
    /// verified trace, then age (older first; unknown age last), then input order.
    /// </summary>
    public static KeepRule ByOriginVerifiedAge(IReadOnlyList<string> originPriority) => new PriorityRule(originPriority);

    public abstract int Compare(DedupMember? x, DedupMember? y);

    private sealed class FirstSeenRule : KeepRule
    {
        public override int Compare(DedupMember? x, DedupMember? y) => (x?.Ordinal ?? int.MaxValue).CompareTo(y?.Ordinal ?? int.MaxValue);
    }

    private sealed class PriorityRule(IReadOnlyList<string> originPriority) : KeepRule
    {
        public override int Compare(DedupMember? x, DedupMember? y)
        {
            if (x is null || y is null)
            {
                return x is null ? (y is null ? 0 : 1) : -1;
            }

            var byOrigin = Rank(x.Origin).CompareTo(Rank(y.Origin));
            if (byOrigin != 0)
            {
                return byOrigin;
            }

            if (x.Verified != y.Verified)
            {
                return x.Verified ? -1 : 1;
            }

            var byAge = (x.CreatedAt ?? DateTimeOffset.MaxValue).CompareTo(y.CreatedAt ?? DateTimeOffset.MaxValue);
            return byAge != 0 ? byAge : x.Ordinal.CompareTo(y.Ordinal);
        }

        private int Rank(string? origin)
        {
            for (var i = 0; i < originPriority.Count; i++)
            {
                if (string.Equals(originPriority[i], origin, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            return originPriority.Count;
        }
    }
}
