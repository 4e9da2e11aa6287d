namespace DeepFinance.Core.Privacy;

/// <summary>
/// Where the text of an LLM request comes from, as far as the privacy gate is concerned. Every request
/// states one; an external synthesizer is never sent <see cref="RawDerived"/> text.
/// </summary>
/// <remarks>
/// <see cref="RawDerived"/> is the zero value on purpose: a provenance left unset (a default struct,
/// a field missing from JSON) fails closed.
/// </remarks>
public enum RequestProvenance
{
    /// <summary>Public material (imported seed sets, our own fixed probes) and what was generated from it.</summary>
    Public = 1,

    /// <summary>Text an expert approved as desensitized, and what was generated from it.</summary>
    Desensitized = 2,

    /// <summary>A raw real-world query, anything derived from one, or text whose lineage is unknown.</summary>
    RawDerived = 0,
}
