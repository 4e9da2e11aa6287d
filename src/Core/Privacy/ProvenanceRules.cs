using DeepFinance.Core.Data;

namespace DeepFinance.Core.Privacy;

/// <summary>
/// One link of a question's lineage: the question's origin and whether an expert approved its text as
/// desensitized. <see cref="Origin"/> is null when the link is missing (a parent id that names no row,
/// a cycle, a chain too deep to trust): unknown lineage.
/// </summary>
public sealed record QuestionLineageStep(QuestionOrigin? Origin, bool ApprovedDesensitized = false)
{
    /// <summary>A link that should exist but could not be read.</summary>
    public static readonly QuestionLineageStep Missing = new(Origin: null);
}

/// <summary>The one rule that turns an item's lineage into the provenance its LLM requests carry.</summary>
public static class ProvenanceRules
{
    /// <summary>
    /// <paramref name="chain"/> starts at the item's own question and walks up through its parents to the root.
    /// Walking up, the first step that decides wins:
    /// an expert-approved desensitized text cuts the chain (what lies above it was checked) → Desensitized;
    /// a real-world query that no approval covers → RawDerived; a missing link → RawDerived (fail closed).
    /// A chain that reaches its root with neither is Public. An empty chain is unknown → RawDerived.
    /// </summary>
    public static RequestProvenance Of(IReadOnlyList<QuestionLineageStep> chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (chain.Count == 0)
        {
            return RequestProvenance.RawDerived;
        }
        foreach (var step in chain)
        {
            if (step is null || step.Origin is null)
            {
                return RequestProvenance.RawDerived;
            }
            if (step.ApprovedDesensitized)
            {
                return RequestProvenance.Desensitized;
            }
            if (step.Origin == QuestionOrigin.RealWorld)
            {
                return RequestProvenance.RawDerived;
            }
        }
        return RequestProvenance.Public;
    }

    /// <summary>True when the gate lets text of this provenance go to an external synthesizer.</summary>
    public static bool MayLeave(RequestProvenance provenance) =>
        provenance is RequestProvenance.Public or RequestProvenance.Desensitized;
}
