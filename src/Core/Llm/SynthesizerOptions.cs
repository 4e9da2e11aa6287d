using System.ComponentModel.DataAnnotations;

namespace DeepFinance.Core.Llm;

/// <summary>A synthesizer as configured under <c>DeepFinance:Synthesizers:&lt;name&gt;</c>.</summary>
public sealed class SynthesizerOptions
{
    [Required]
    public string BaseUrl { get; set; } = "";

    [Required]
    public string Model { get; set; } = "";

    /// <summary>From configuration or environment only; never stored in the database, shown or logged.</summary>
    public string? ApiKey { get; set; }

    [Range(0, 2)]
    public double Temperature { get; set; } = 0.6;

    [Range(1, 1_000_000)]
    public int MaxTokens { get; set; } = 4096;

    [Range(1, 10_000)]
    public int MaxConcurrency { get; set; } = 8;

    [Range(0, int.MaxValue)]
    public int RequestsPerMinute { get; set; }

    [Range(0, int.MaxValue)]
    public int TokensPerMinute { get; set; }

    [Range(0, 100_000)]
    public decimal InputPricePerMillion { get; set; }

    [Range(0, 100_000)]
    public decimal OutputPricePerMillion { get; set; }

    /// <summary>An endpoint outside the bank: raw real-world query text is never sent to it.</summary>
    public bool External { get; set; } = true;

    /// <summary>Some providers (DashScope's QwQ) only answer streaming requests.</summary>
    public bool Streaming { get; set; }

    /// <summary>Send the sample index as <c>seed</c>; turn off for endpoints that reject it.</summary>
    public bool SendSeed { get; set; } = true;
}

public sealed class LlmOptions
{
    public const string SectionName = "DeepFinance:Llm";

    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    [Range(1, 60_000)]
    public int BaseDelayMs { get; set; } = 500;

    [Range(1, 600_000)]
    public int MaxDelayMs { get; set; } = 30_000;

    [Range(1, 3600)]
    public int RequestTimeoutSeconds { get; set; } = 600;

    /// <summary>Consecutive connection failures (refused, unreachable, timed out) that open a synthesizer's breaker.</summary>
    [Range(1, 1000)]
    public int BreakerFailures { get; set; } = 5;

    /// <summary>How long an open breaker refuses calls before letting one through to probe.</summary>
    [Range(1, 3600)]
    public int BreakerCooldownSeconds { get; set; } = 30;
}
