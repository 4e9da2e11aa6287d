using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepFinance.LlmSim;

/// <summary>
/// Settings of the simulator. One live instance is shared by all requests, so a test (or
/// <c>POST /config</c>) can change fault rates while the server runs.
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>JSONL with <c>question</c>, <c>answer</c> (or <c>reference</c>) and optional <c>options</c>.</summary>
    public string? OracleFile { get; set; }

    /// <summary>JSONL with <c>match</c>, <c>content</c> and optional <c>reasoning</c>.</summary>
    public string? ScriptFile { get; set; }

    /// <summary>
    /// When set, the chat endpoint answers only <c>Authorization: Bearer</c> with <see cref="ApiKey"/> (401 otherwise,
    /// and with no key configured nobody gets in). A host that mounts the simulator beside other routes sets it;
    /// neither field is ever shown or changed over HTTP.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool RequireApiKey { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public string? ApiKey { get; set; }

    /// <summary>Settings that name files on the server: from configuration or code only, never from <c>POST /config</c>.</summary>
    public static readonly IReadOnlySet<string> FileSettings = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { nameof(OracleFile), nameof(ScriptFile) };

    /// <summary>Probability that an oracle answer is right (decided from a hash of the request).</summary>
    public double CorrectProbability { get; set; } = 0.7;

    /// <summary>Probability that a self-correction rewrite (<c>[scr:rewrite]</c>) reaches the oracle's answer.</summary>
    public double ScrFixRate { get; set; } = 0.6;

    /// <summary>Probability that a reflection (<c>[scr:reflect]</c>) gives the reference away, so the leak screen has work.</summary>
    public double ScrLeakRate { get; set; } = 0.1;

    /// <summary>Probability that an A2Q/T2Q answer (<c>[a2q:generate]</c>, <c>[t2q:mine]</c>) is broken JSON.</summary>
    public double DeriveMalformedRate { get; set; } = 0.05;

    /// <summary>Probability that a proposed question in an A2Q/T2Q answer lacks a required field.</summary>
    public double DeriveMissingFieldRate { get; set; } = 0.1;

    /// <summary>Probability that a proposed question is its parent again (spaced differently).</summary>
    public double DeriveIdenticalRate { get; set; } = 0.1;

    /// <summary>Probability that an extract pair (<c>[extract:qa]</c>) states a figure the passage does not contain.</summary>
    public double ExtractUnsupportedRate { get; set; } = 0.1;

    /// <summary>Probability that the answer to a repair request (<c>[json:repair]</c>) is broken JSON again.</summary>
    public double RepairFailRate { get; set; } = 0.2;
    /// <summary>Probability that a classifier answer (<c>[classify:question]</c>) is broken: cut-off JSON or a label outside the lists.</summary>
    public double ClassifyMalformedRate { get; set; } = 0.05;

    /// <summary>Median latency in milliseconds; 0 means no latency at all.</summary>
    public double LatencyMedianMs { get; set; } = 40;

    /// <summary>Sigma of the lognormal latency distribution.</summary>
    public double LatencySpread { get; set; } = 0.5;

    /// <summary>Requests in flight beyond this number are refused with 429.</summary>
    public int MaxConcurrency { get; set; } = 64;

    public double Rate429 { get; set; }

    public double Rate500 { get; set; }

    public double RateHang { get; set; }

    public double RateTruncated { get; set; }

    public double RateMalformed { get; set; }

    /// <summary>How long a hanging request waits before it answers 504.</summary>
    public double HangSeconds { get; set; } = 30;

    /// <summary>Pace of streamed chunks; 0 sends them as fast as possible.</summary>
    public double TokensPerSecond { get; set; }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Copies every setting from <paramref name="other"/> into this instance.</summary>
    public void CopyFrom(SimulatorOptions other)
    {
        ArgumentNullException.ThrowIfNull(other);
        OracleFile = other.OracleFile;
        ScriptFile = other.ScriptFile;
        RequireApiKey = other.RequireApiKey;
        ApiKey = other.ApiKey;
        CorrectProbability = other.CorrectProbability;
        ScrFixRate = other.ScrFixRate;
        ScrLeakRate = other.ScrLeakRate;
        DeriveMalformedRate = other.DeriveMalformedRate;
        DeriveMissingFieldRate = other.DeriveMissingFieldRate;
        DeriveIdenticalRate = other.DeriveIdenticalRate;
        ExtractUnsupportedRate = other.ExtractUnsupportedRate;
        RepairFailRate = other.RepairFailRate;
        ClassifyMalformedRate = other.ClassifyMalformedRate;
        LatencyMedianMs = other.LatencyMedianMs;
        LatencySpread = other.LatencySpread;
        MaxConcurrency = other.MaxConcurrency;
        Rate429 = other.Rate429;
        Rate500 = other.Rate500;
        RateHang = other.RateHang;
        RateTruncated = other.RateTruncated;
        RateMalformed = other.RateMalformed;
        HangSeconds = other.HangSeconds;
        TokensPerSecond = other.TokensPerSecond;
    }

    /// <summary>A detached copy.</summary>
    public SimulatorOptions Clone()
    {
        var copy = new SimulatorOptions();
        copy.CopyFrom(this);
        return copy;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        CheckRate(CorrectProbability, nameof(CorrectProbability));
        CheckRate(ScrFixRate, nameof(ScrFixRate));
        CheckRate(ScrLeakRate, nameof(ScrLeakRate));
        CheckRate(DeriveMalformedRate, nameof(DeriveMalformedRate));
        CheckRate(DeriveMissingFieldRate, nameof(DeriveMissingFieldRate));
        CheckRate(DeriveIdenticalRate, nameof(DeriveIdenticalRate));
        CheckRate(ExtractUnsupportedRate, nameof(ExtractUnsupportedRate));
        CheckRate(RepairFailRate, nameof(RepairFailRate));
        CheckRate(ClassifyMalformedRate, nameof(ClassifyMalformedRate));
        CheckRate(Rate429, nameof(Rate429));
        CheckRate(Rate500, nameof(Rate500));
        CheckRate(RateHang, nameof(RateHang));
        CheckRate(RateTruncated, nameof(RateTruncated));
        CheckRate(RateMalformed, nameof(RateMalformed));
        CheckNonNegative(LatencyMedianMs, nameof(LatencyMedianMs));
        CheckNonNegative(LatencySpread, nameof(LatencySpread));
        CheckNonNegative(HangSeconds, nameof(HangSeconds));
        CheckNonNegative(TokensPerSecond, nameof(TokensPerSecond));
        if (MaxConcurrency < 1)
        {
            throw new ArgumentException($"Simulator:{nameof(MaxConcurrency)} must be at least 1 (got {MaxConcurrency}).");
        }
    }

    /// <summary>
    /// Returns a new options object: this one with the fields present in <paramref name="patch"/>
    /// replaced (names compared without regard to case). Unknown fields are an error.
    /// </summary>
    public SimulatorOptions WithPatch(JsonObject patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var current = JsonSerializer.SerializeToNode(this, Json)!.AsObject();
        foreach (var (key, value) in patch)
        {
            if (FileSettings.Contains(key))
            {
                // A path given over HTTP would let a caller probe the server's files and read their first bytes.
                throw new ArgumentException($"'{key}' names a file on the server and is set in configuration only, never over HTTP.");
            }
            var name = current.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"Unknown simulator setting '{key}'.");
            current[name] = value?.DeepClone();
        }

        var result = current.Deserialize<SimulatorOptions>(Json)
            ?? throw new ArgumentException("The settings object is empty.");
        result.RequireApiKey = RequireApiKey;
        result.ApiKey = ApiKey;
        result.Validate();
        return result;
    }

    private static void CheckRate(double value, string name)
    {
        if (double.IsNaN(value) || value < 0 || value > 1)
        {
            throw new ArgumentException($"Simulator:{name} must be between 0 and 1 (got {value}).");
        }
    }

    private static void CheckNonNegative(double value, string name)
    {
        if (double.IsNaN(value) || value < 0)
        {
            throw new ArgumentException($"Simulator:{name} must not be negative (got {value}).");
        }
    }
}
