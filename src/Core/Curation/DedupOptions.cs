using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Curation;

/// <summary>Settings under <c>DeepFinance:Dedup</c>: the MinHash/LSH index and how strict the near-duplicate guard is.</summary>
public sealed class DedupOptions
{
    public const string SectionName = "DeepFinance:Dedup";

    /// <summary>Characters per shingle of the normalised text; 3 suits Chinese (no segmenter) and English alike.</summary>
    [Range(1, 12)]
    public int NgramSize { get; set; } = 3;

    /// <summary>LSH bands. Bands × Rows MinHash values are computed per question.</summary>
    [Range(1, 256)]
    public int Bands { get; set; } = 32;

    /// <summary>MinHash values per band. Two questions become candidates when one band agrees in every row.</summary>
    [Range(1, 16)]
    public int Rows { get; set; } = 3;

    /// <summary>The least n-gram Jaccard similarity for a candidate pair to be a near-duplicate at all (then the guard decides).</summary>
    [Range(0.05, 1.0)]
    public double Threshold { get; set; } = 0.5;

    /// <summary>
    /// How many content tokens (a CJK character or an English word, function words aside) may be added or dropped
    /// between near-duplicates. 0: the same words, possibly with clauses swapped.
    /// </summary>
    [Range(0, 20)]
    public int MaxTokenDifference { get; set; }

    /// <summary>At most this many LSH candidates are checked per question, so one huge bucket cannot make a run quadratic.</summary>
    [Range(1, 100_000)]
    public int MaxCandidates { get; set; } = 2_000;
}

/// <summary>Fails start-up when the index would compute an unreasonable number of hashes per question.</summary>
internal sealed class DedupOptionsValidator : IValidateOptions<DedupOptions>
{
    public ValidateOptionsResult Validate(string? name, DedupOptions options) =>
        options.Bands * options.Rows <= 1024
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{DedupOptions.SectionName}:Bands × {DedupOptions.SectionName}:Rows ({options.Bands} × {options.Rows}) must not exceed 1024.");
}
