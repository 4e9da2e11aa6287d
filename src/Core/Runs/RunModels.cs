using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;

namespace DeepFinance.Core.Runs;

/// <summary>
/// The flat launch of a sampling run (q2a), as the first API took it; still accepted and turned into a
/// <see cref="RunLaunch"/> whose spec holds these fields.
/// </summary>
public sealed record RunSpec(
    RunKind Kind,
    long? SeedSourceId,
    string Synthesizer,
    int SamplesPerQuestion,
    int? TemplateVersion = null,
    string? SamplingSalt = null,
    string? Name = null,
    double? RelativeTolerance = null,
    int? PartitionSize = null,
    string? Judge = null)
{
    public RunLaunch ToLaunch() => new(Kind.ToString().ToLowerInvariant(), Synthesizer,
        JsonSerializer.SerializeToElement(new { SeedSourceId, SamplesPerQuestion, TemplateVersion, SamplingSalt, RelativeTolerance, Judge }, RunJson.Options),
        Name, PartitionSize);
}

/// <summary>Kind-specific parameters, stored with the run as JSON.</summary>
/// <param name="Judge">Judge synthesizer for answers no rule can decide; none when null.</param>
/// <param name="JudgePromptTemplateId">The judge prompt version pinned at launch.</param>
public sealed record RunParameters(double RelativeTolerance, int PartitionSize, string? Judge = null, long? JudgePromptTemplateId = null)
{
    public VerificationTolerances Tolerances => new(RelativeTolerance);

    public static RunParameters Of(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return JsonSerializer.Deserialize<RunParameters>(run.ParametersJson) ?? throw new InvalidOperationException($"run {run.Id} has no parameters");
    }
}

/// <summary>What a launch would cost, shown before the operator commits.</summary>
public sealed record RunEstimate(int Questions, int Requests, long EstimatedPromptTokens, long EstimatedCompletionTokens, decimal EstimatedCost, bool Simulated)
{
    /// <summary>How long one request may go unanswered before it is retried (and counts towards pausing the run).</summary>
    public int RequestTimeoutSeconds { get; init; }
}

public sealed class RunValidationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

public sealed class RunOptions
{
    public const string SectionName = "DeepFinance:Runs";

    /// <summary>A partition whose worker stops heartbeating is handed to another after this long.</summary>
    [Range(10, 3600)]
    public int LeaseSeconds { get; set; } = 60;

    [Range(1, 10_000)]
    public int DefaultPartitionSize { get; set; } = 50;

    [Range(1, 1024)]
    public int MaxSamplesPerQuestion { get; set; } = 64;

    [Range(1, 100_000)]
    public int MaxPartitionSize { get; set; } = 10_000;
}

/// <summary>Enqueues run work. The web app implements it with Hangfire; Core knows nothing of Hangfire.</summary>
public interface IRunScheduler
{
    void EnqueuePrepare(long runId);

    void EnqueuePartition(long runId, int partition);
}

public sealed record RunProgress(
    long Id, string Kind, RunStatus Status, string? Name, long? SeedSourceId, string Synthesizer, string Model, int SamplesPerQuestion,
    long PromptTemplateId, string SamplingSalt, int Total, int Done, int Failed, int FromStore, int Attempts, long PromptTokens,
    long CompletionTokens, long ReasoningTokens, decimal Cost, int PartitionCount, DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? LaunchedBy, string? Error, int Correct, int Incorrect, int Unverifiable)
{
    public int Remaining => Math.Max(0, Total - Done - Failed);

    public double? ItemsPerSecond
    {
        get
        {
            if (StartedAt is null || Done + Failed == 0)
            {
                return null;
            }
            var seconds = ((FinishedAt ?? DateTimeOffset.UtcNow) - StartedAt.Value).TotalSeconds;
            return seconds <= 0 ? null : (Done + Failed) / seconds;
        }
    }

    public TimeSpan? Eta => Status == RunStatus.Running && ItemsPerSecond is > 0 ? TimeSpan.FromSeconds(Remaining / ItemsPerSecond.Value) : null;

    public double? PassRate => Correct + Incorrect == 0 ? null : (double)Correct / (Correct + Incorrect);
}
