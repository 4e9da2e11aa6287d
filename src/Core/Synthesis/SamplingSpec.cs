using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Synthesis;

/// <summary>What every sampling kind asks: how many samples, which prompt version, the salt, and how answers are verified.</summary>
public record SamplingSettings
{
    public int SamplesPerQuestion { get; init; } = 1;
    public int? TemplateVersion { get; init; }
    public string? SamplingSalt { get; init; }
    public double? RelativeTolerance { get; init; }
    public string? Judge { get; init; }
}

/// <summary>
/// Checks and settles the sampling part of a spec, estimates requests and cost, and finishes a sampling
/// run (pass rates, difficulty, majorities). Shared by <c>q2a</c>, <c>synthesize</c> and later kinds that sample.
/// </summary>
public sealed class SamplingPlanner(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    SynthesizerCatalog catalog,
    PromptLibrary prompts,
    QuestionStatistics statistics,
    IOptions<RunOptions> options)
{
    public const string SampleRole = "sample";
    public const string JudgeRole = "judge";

    /// <summary>Reads the spec as <typeparamref name="T"/>, naming the field that does not fit.</summary>
    public static T Read<T>(JsonElement spec) where T : SamplingSettings, new() => RunSpecReading.Read<T>(spec);

    public async Task<RunPlan> PlanAsync(SamplingSettings settings, JsonElement normalisedSpec, long? seedSourceId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.SamplesPerQuestion < 1 || settings.SamplesPerQuestion > options.Value.MaxSamplesPerQuestion)
        {
            throw new RunValidationException("samplesPerQuestion", $"Samples per question must be between 1 and {options.Value.MaxSamplesPerQuestion}.");
        }
        if (settings.RelativeTolerance is < 0 or > 0.5)
        {
            throw new RunValidationException("relativeTolerance", "Relative tolerance must be between 0 and 0.5.");
        }
        if (settings.SamplingSalt is { Length: > 100 })
        {
            throw new RunValidationException("samplingSalt", "A sampling salt may be at most 100 characters.");
        }
        var prompt = await prompts.GetForSpecAsync(PromptLibrary.CotSample, settings.TemplateVersion, "templateVersion", ct);
        var rolePrompts = new List<(string, long)> { (SampleRole, prompt.Id) };
        SynthesizerProfile? judge = null;
        long? judgePromptId = null;
        if (!string.IsNullOrWhiteSpace(settings.Judge))
        {
            judge = await catalog.FindAsync(settings.Judge.Trim(), ct)
                ?? throw new RunValidationException("judge", $"No synthesizer named '{settings.Judge.Trim()}' to act as judge.");
            judgePromptId = (await prompts.GetAsync(PromptLibrary.AnswerJudge, null, ct)).Id;
            rolePrompts.Add((JudgeRole, judgePromptId.Value));
        }
        var parameters = new RunParameters(settings.RelativeTolerance ?? VerificationTolerances.Default.RelativeTolerance,
            options.Value.DefaultPartitionSize, judge?.Name, judgePromptId);
        return new RunPlan(normalisedSpec, rolePrompts, seedSourceId, settings.SamplesPerQuestion, settings.SamplingSalt?.Trim() ?? "", parameters);
    }

    /// <summary>Requests, tokens and cost for <paramref name="questions"/> questions of about <paramref name="avgQuestionChars"/> characters.</summary>
    public async Task<RunEstimate> EstimateAsync(RunPlan plan, SynthesizerProfile profile, int questions, double avgQuestionChars, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(profile);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Typical completion length from this synthesizer's stored answers; a quarter of max tokens before any exist.
        var avgCompletion = await db.LlmResponses.Where(r => r.SynthesizerName == profile.Name)
            .Select(r => (double?)r.CompletionTokens).AverageAsync(ct) ?? profile.MaxTokens / 4.0;
        var requests = questions * plan.SamplesPerQuestion;
        var promptTokens = (long)(requests * (avgQuestionChars / 2.0 + 150));
        var completionTokens = (long)(requests * avgCompletion);
        return new RunEstimate(questions, requests, promptTokens, completionTokens,
            SynthesizerProfile.CostOf(promptTokens, completionTokens, profile.InputPricePerMillion, profile.OutputPricePerMillion),
            profile.Simulated);
    }

    /// <summary>One item per question and sample, keyed so a question's samples never collide.</summary>
    public static IEnumerable<RunItemSeed> Items(long questionId, int samples) =>
        Enumerable.Range(0, samples).Select(s => new RunItemSeed($"{questionId}/{s}", questionId, s));

    public Task CompletedAsync(RunContext run, CancellationToken ct) => statistics.UpdateForRunAsync(run.RunId, ct);
}
