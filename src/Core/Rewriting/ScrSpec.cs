using System.ComponentModel.DataAnnotations;
using DeepFinance.Core.Data;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Rewriting;

/// <summary>
/// The <c>scr</c> spec. Items come from <see cref="SourceRunId"/> (its failed first answers), <see cref="TraceIds"/>
/// (failed traces, or rewrites a reviewer sent back) or <see cref="Filter"/> (failed first answers anywhere); at least one.
/// </summary>
public sealed record ScrSpec
{
    public long? SourceRunId { get; init; }
    public IReadOnlyList<long>? TraceIds { get; init; }
    public FailedTraceFilter? Filter { get; init; }
    /// <summary>Reflection and rewrite rounds per item, at most; the loop stops at the first verified rewrite.</summary>
    public int MaxRounds { get; init; } = ScrRunHandler.DefaultMaxRounds;
    public int? ReflectTemplateVersion { get; init; }
    public int? RewriteTemplateVersion { get; init; }
    /// <summary>A new salt buys fresh reflections and rewrites for traces rewritten before.</summary>
    public string? SamplingSalt { get; init; }
    public double? RelativeTolerance { get; init; }
    public string? Judge { get; init; }
    /// <summary>This run's own leak phrases (regular expressions), on top of the built-in and configured ones.</summary>
    public IReadOnlyList<string>? LeakPatterns { get; init; }
}

/// <summary>Narrows the failed first answers an <c>scr</c> run takes. Empty fields do not filter.</summary>
public sealed record FailedTraceFilter
{
    public TaskType? TaskType { get; init; }
    public Difficulty? Difficulty { get; init; }
}

public sealed class RewritingOptions
{
    public const string SectionName = "DeepFinance:Rewriting";

    /// <summary>Extra leak phrases (regular expressions, case-insensitive, on NFKC text) for every scr run.</summary>
    public List<string> LeakPatterns { get; set; } = [];

    [Range(1, 10)]
    public int MaxRounds { get; set; } = 10;
}

internal sealed class RewritingOptionsValidator : IValidateOptions<RewritingOptions>
{
    public ValidateOptionsResult Validate(string? name, RewritingOptions options)
    {
        for (var i = 0; i < options.LeakPatterns.Count; i++)
        {
            try
            {
                LeakScreen.Compile(options.LeakPatterns[i]);
            }
            catch (ArgumentException e)
            {
                return ValidateOptionsResult.Fail($"{RewritingOptions.SectionName}:LeakPatterns:{i} is not a valid regular expression: {e.Message}");
            }
        }
        return ValidateOptionsResult.Success;
    }
}
