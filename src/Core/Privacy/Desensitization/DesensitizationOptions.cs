using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Privacy.Desensitization;

/// <summary>How a found value is replaced.</summary>
public enum ReplacementMode
{
    /// <summary><c>[姓名1]</c> / <c>[NAME1]</c>, numbered per type within a query.</summary>
    Placeholder = 0,

    /// <summary>The value's shape with most characters starred (<c>139****4502</c>).</summary>
    Mask = 1,

    /// <summary>A format-valid stand-in (a fake ID with a valid check character, a Luhn-valid card).</summary>
    Fake = 2,
}

/// <summary>Language of placeholder labels; Auto picks Chinese when the text has a Chinese character.</summary>
public enum PlaceholderLanguage
{
    Auto = 0,
    Chinese = 1,
    English = 2,
}

/// <summary>Settings under <c>DeepFinance:Desensitization</c>.</summary>
public sealed class DesensitizationOptions
{
    public const string SectionName = "DeepFinance:Desensitization";

    /// <summary>Replacement for types not listed in <see cref="Modes"/>.</summary>
    public ReplacementMode DefaultMode { get; set; } = ReplacementMode.Placeholder;

    /// <summary>Replacement per entity type (<c>person_name</c>, <c>phone</c>, …).</summary>
    public Dictionary<string, ReplacementMode> Modes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Findings below this confidence are dropped. Low on purpose: a leak costs more than a starred amount.</summary>
    [Range(0.0, 1.0)]
    public double MinimumConfidence { get; set; } = 0.4;

    public PlaceholderLanguage Language { get; set; } = PlaceholderLanguage.Auto;

    public ReplacementMode ModeFor(string type) => Modes.TryGetValue(type, out var mode) ? mode : DefaultMode;
}

/// <summary>Fails start-up on a mode for an unknown type or an undefined mode, naming the setting.</summary>
internal sealed class DesensitizationOptionsValidator : IValidateOptions<DesensitizationOptions>
{
    public ValidateOptionsResult Validate(string? name, DesensitizationOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.DefaultMode))
        {
            errors.Add($"{DesensitizationOptions.SectionName}:DefaultMode must be Placeholder, Mask or Fake.");
        }

        foreach (var (type, mode) in options.Modes)
        {
            if (!EntityTypes.IsKnown(type))
            {
                errors.Add($"{DesensitizationOptions.SectionName}:Modes:{type} is not an entity type (known: {string.Join(", ", EntityTypes.All)}).");
            }
            else if (!Enum.IsDefined(mode))
            {
                errors.Add($"{DesensitizationOptions.SectionName}:Modes:{type} must be Placeholder, Mask or Fake.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
