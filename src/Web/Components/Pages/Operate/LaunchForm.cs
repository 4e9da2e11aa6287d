using System.Globalization;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;

namespace DeepFinance.Web.Components.Pages.Operate;

/// <summary>Turns the launcher's fields into the same launch the API takes, so both send one shape.</summary>
public static class LaunchForm
{
    public sealed record Sampling(int SamplesPerQuestion, int? TemplateVersion, string? Salt, string? Judge);

    public sealed record Filter(QuestionOrigin? Origin, TaskType? TaskType, Difficulty? Difficulty, string? QuestionIds);

    /// <summary>Self-correction: the run whose failed traces are rewritten, and the most rounds per trace.</summary>
    public sealed record Scr(long? SourceRunId, int MaxRounds);

    /// <summary>
    /// a2q, t2q and extract: where parents come from (a run, or for extract a document set), how many proposals each
    /// (variants, points, pairs per passage), and how many samples must agree (m of k = SamplesPerQuestion).
    /// </summary>
    public sealed record Derived(long? SourceRunId, int PerParent, int QuestionsPerPoint, int AgreeAtLeast, int? Limit, long? DocumentSetId = null);

    /// <summary>classify: only questions whose labels are missing or guessed by the rules (else every one the classifier may still change).</summary>
    public sealed record Classify(bool UndecidedOnly, int? Limit);

    public static RunLaunch Build(string kind, string? synthesizer, string? name, Sampling sampling, long? seedSourceId, Filter filter, Scr? scr = null,
        Derived? derived = null, Classify? classify = null)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(filter);
        var salt = string.IsNullOrWhiteSpace(sampling.Salt) ? null : sampling.Salt.Trim();
        var judge = string.IsNullOrWhiteSpace(sampling.Judge) ? null : sampling.Judge;
        derived ??= new Derived(null, 2, 1, 2, null);
        object spec = kind == "a2q"
            ? new
            {
                sourceRunId = derived.SourceRunId, variantsPerQuestion = derived.PerParent, samplesToVerify = sampling.SamplesPerQuestion,
                agreeAtLeast = derived.AgreeAtLeast, limit = derived.Limit, samplingSalt = salt, judge,
            }
            : kind == "t2q"
            ? new
            {
                sourceRunId = derived.SourceRunId, pointsPerTrace = derived.PerParent, questionsPerPoint = derived.QuestionsPerPoint,
                samplesToVerify = sampling.SamplesPerQuestion, agreeAtLeast = derived.AgreeAtLeast, limit = derived.Limit, samplingSalt = salt, judge,
            }
            : kind == "extract"
            ? new
            {
                documentSetId = derived.DocumentSetId, pairsPerPassage = derived.PerParent, samplesToVerify = sampling.SamplesPerQuestion,
                agreeAtLeast = derived.AgreeAtLeast, limit = derived.Limit, samplingSalt = salt, judge,
            }
            : kind == "scr"
            ? new
            {
                sourceRunId = scr?.SourceRunId, maxRounds = scr?.MaxRounds ?? 3,
                samplingSalt = salt, judge,
            }
            : kind == "classify"
            ? new
            {
                origin = filter.Origin, seedSourceId, questionIds = Ids(filter.QuestionIds), undecidedOnly = classify?.UndecidedOnly ?? true,
                limit = classify?.Limit, samplingSalt = salt,
            }
            : kind == "synthesize"
            ? new
            {
                filter = new { seedSourceId, origin = filter.Origin, taskType = filter.TaskType, difficulty = filter.Difficulty, questionIds = Ids(filter.QuestionIds) },
                samplesPerQuestion = sampling.SamplesPerQuestion, templateVersion = sampling.TemplateVersion, samplingSalt = salt, judge,
            }
            : new { seedSourceId, samplesPerQuestion = sampling.SamplesPerQuestion, templateVersion = sampling.TemplateVersion, samplingSalt = salt, judge };
        return new RunLaunch(kind, synthesizer ?? "", JsonSerializer.SerializeToElement(spec, RunJson.Options), name);
    }

    /// <summary>"12, 15 20" → [12, 15, 20]; a token that is not a whole number is refused by name.</summary>
    public static IReadOnlyList<long>? Ids(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var ids = new List<long>();
        foreach (var token in text.Split([',', ' ', ';', '，', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new RunValidationException("filter.questionIds", $"'{token}' is not a question id.");
            }
            ids.Add(id);
        }
        return ids;
    }
}
