using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Verification;

/// <summary>Settings under <c>DeepFinance:Verification</c>: the pass-rate thresholds of empirical difficulty.</summary>
public sealed class VerificationOptions
{
    public const string SectionName = "DeepFinance:Verification";

    /// <summary>A pass rate at or above this is Simple.</summary>
    [Range(0.0, 1.0)]
    public double SimpleAtLeast { get; set; } = 0.8;

    /// <summary>A pass rate below this is Hard; between the two thresholds, Medium.</summary>
    [Range(0.0, 1.0)]
    public double HardBelow { get; set; } = 0.3;
}

/// <summary>Fails start-up when the thresholds overlap (Hard would swallow Simple).</summary>
internal sealed class VerificationOptionsValidator : IValidateOptions<VerificationOptions>
{
    public ValidateOptionsResult Validate(string? name, VerificationOptions options) =>
        options.HardBelow <= options.SimpleAtLeast
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{VerificationOptions.SectionName}:HardBelow ({options.HardBelow}) must not exceed {VerificationOptions.SectionName}:SimpleAtLeast ({options.SimpleAtLeast}).");
}
