using DeepFinance.Core.Data;

namespace DeepFinance.Core.Annotation;

/// <summary>What moves a real-world query from one status to the next.</summary>
public enum RealWorldStep { Check, Annotate, CompleteAgreed, CompleteUnusable, CompleteDisagreed, Adjudicate, AdjudicateUnusable }

/// <summary>
/// The one transition table for real-world queries, read by the workbench (its guarded updates), the API and the pages.
/// AwaitingCheck → Checked (an expert approved the desensitization) → Annotated (some, not all, experts annotated) →
/// Approved | Unusable (all agreed) or Adjudicating (they disagreed) → Approved | Unusable (an Admin decided).
/// </summary>
public static class RealWorldStates
{
    private static readonly Dictionary<(RealWorldQueryStatus From, RealWorldStep Step), RealWorldQueryStatus> Table = new()
    {
        [(RealWorldQueryStatus.AwaitingCheck, RealWorldStep.Check)] = RealWorldQueryStatus.Checked,
        [(RealWorldQueryStatus.Checked, RealWorldStep.Annotate)] = RealWorldQueryStatus.Annotated,
        [(RealWorldQueryStatus.Annotated, RealWorldStep.Annotate)] = RealWorldQueryStatus.Annotated,
        [(RealWorldQueryStatus.Checked, RealWorldStep.CompleteAgreed)] = RealWorldQueryStatus.Approved,
        [(RealWorldQueryStatus.Annotated, RealWorldStep.CompleteAgreed)] = RealWorldQueryStatus.Approved,
        [(RealWorldQueryStatus.Checked, RealWorldStep.CompleteUnusable)] = RealWorldQueryStatus.Unusable,
        [(RealWorldQueryStatus.Annotated, RealWorldStep.CompleteUnusable)] = RealWorldQueryStatus.Unusable,
        [(RealWorldQueryStatus.Checked, RealWorldStep.CompleteDisagreed)] = RealWorldQueryStatus.Adjudicating,
        [(RealWorldQueryStatus.Annotated, RealWorldStep.CompleteDisagreed)] = RealWorldQueryStatus.Adjudicating,
        [(RealWorldQueryStatus.Adjudicating, RealWorldStep.Adjudicate)] = RealWorldQueryStatus.Approved,
        [(RealWorldQueryStatus.Adjudicating, RealWorldStep.AdjudicateUnusable)] = RealWorldQueryStatus.Unusable,
    };

    public static bool Allows(RealWorldQueryStatus from, RealWorldStep step) => Table.ContainsKey((from, step));

    /// <summary>The status after <paramref name="step"/>; throws <see cref="RealWorldConflictException"/> naming both when the table has no such move.</summary>
    public static RealWorldQueryStatus After(long queryId, RealWorldQueryStatus from, RealWorldStep step) =>
        Table.TryGetValue((from, step), out var to) ? to
            : throw new RealWorldConflictException($"Query #{queryId} is {Name(from)}; it cannot be {Verb(step)} now.") { CurrentStatus = from };

    /// <summary>The statuses in which annotating is open.</summary>
    public static readonly RealWorldQueryStatus[] Annotatable = [RealWorldQueryStatus.Checked, RealWorldQueryStatus.Annotated];

    /// <summary>Status names as the API spells them (camelCase).</summary>
    public static string Name(RealWorldQueryStatus status) => status switch
    {
        RealWorldQueryStatus.AwaitingCheck => "awaitingCheck",
        _ => status.ToString().ToLowerInvariant(),
    };

    public static bool TryParse(string? text, out RealWorldQueryStatus status)
    {
        status = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        foreach (var s in Enum.GetValues<RealWorldQueryStatus>())
        {
            if (Name(s).Equals(text.Trim(), StringComparison.OrdinalIgnoreCase) || s.ToString().Equals(text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                status = s;
                return true;
            }
        }
        return false;
    }

    private static string Verb(RealWorldStep step) => step switch
    {
        RealWorldStep.Check => "checked",
        RealWorldStep.Annotate or RealWorldStep.CompleteAgreed or RealWorldStep.CompleteUnusable or RealWorldStep.CompleteDisagreed => "annotated",
        _ => "adjudicated",
    };
}
