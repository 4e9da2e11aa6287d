namespace DeepFinance.Core.Verification;

/// <summary>
/// A number read from answer text, together with how it was written.
/// <see cref="Value"/> is the real value (<c>(450)万元</c> → -4,500,000; <c>12.5%</c> → 0.125);
/// <see cref="Written"/> is the signed number as written before magnitude and percent
/// (<c>(450)万元</c> → -450), <see cref="Scale"/> the factor between them, and <see cref="Decimals"/>
/// the number of decimal places written. <see cref="Start"/>/<see cref="Length"/> locate it in the
/// normalized text it was read from.
/// </summary>
public readonly record struct Quantity(
    decimal Value,
    decimal Written,
    decimal Scale,
    int Decimals,
    bool IsPercent,
    bool IsFraction,
    string? MagnitudeWord,
    int Start,
    int Length)
{
    /// <summary>End offset (exclusive) in the normalized text.</summary>
    public int End => Start + Length;
}
