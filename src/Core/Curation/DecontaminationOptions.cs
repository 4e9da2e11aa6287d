using System.ComponentModel.DataAnnotations;

namespace DeepFinance.Core.Curation;

/// <summary>Settings under <c>DeepFinance:Decontamination</c>: when a pool question counts as a copy of a benchmark item.</summary>
public sealed class DecontaminationOptions
{
    public const string SectionName = "DeepFinance:Decontamination";

    /// <summary>Words per n-gram for a benchmark item written mostly in words (English).</summary>
    [Range(3, 50)]
    public int WordNgram { get; set; } = 8;

    /// <summary>Characters per n-gram for a benchmark item written mostly in Chinese (one token per character).</summary>
    [Range(2, 50)]
    public int HanNgram { get; set; } = 5;

    /// <summary>
    /// The least share of a benchmark item's n-grams found in a pool question for an <c>ngram</c> hit (containment: a
    /// question that wraps the whole item in more text scores 1).
    /// </summary>
    [Range(0.05, 1.0)]
    public double NgramThreshold { get; set; } = 0.5;

    /// <summary>
    /// Content tokens a <c>near-duplicate</c> hit may add or drop against the item (the dedup guard's
    /// <c>MaxTokenDifference</c>, looser here: a reworded benchmark item is still the item).
    /// </summary>
    [Range(0, 20)]
    public int MaxTokenDifference { get; set; } = 3;

    /// <summary>Pool questions read and written per page, so memory stays flat for 300K questions.</summary>
    [Range(10, 100_000)]
    public int PageSize { get; set; } = 1000;
}
