using DeepFinance.Core.Data;

namespace DeepFinance.Core.Extraction;

/// <summary>
/// The one table that says which source of a task type or difficulty may replace which. A source may replace a label
/// set by a source of the same or lower rank; nothing replaces an operator's correction but another operator.
/// Ranks (low → high): Rule, Classifier, PassRate (difficulty only), then Seed / Parent / Expert (people or data that came
/// with the question), then Operator. So the classifier refines the rules, the pass rate (measured) refines both, a label
/// given with the seed stays until an operator corrects it, and an operator's correction outlives every later run.
/// </summary>
public static class ClassificationPrecedence
{
    /// <summary>Longest stored detail (rule name, model and prompt version, operator).</summary>
    public const int MaxDetail = 200;

    private static readonly IReadOnlyDictionary<TaskTypeSource, int> TaskTypeRank = new Dictionary<TaskTypeSource, int>
    {
        [TaskTypeSource.Rule] = 0,
        [TaskTypeSource.Classifier] = 1,
        [TaskTypeSource.Seed] = 3,
        [TaskTypeSource.Parent] = 3,
        [TaskTypeSource.Expert] = 3,
        [TaskTypeSource.Operator] = 4,
    };

    private static readonly IReadOnlyDictionary<DifficultySource, int> DifficultyRank = new Dictionary<DifficultySource, int>
    {
        [DifficultySource.Rule] = 0,
        [DifficultySource.Classifier] = 1,
        [DifficultySource.PassRate] = 2,
        [DifficultySource.Seed] = 3,
        [DifficultySource.Expert] = 3,
        [DifficultySource.Operator] = 4,
    };

    /// <summary>May <paramref name="incoming"/> replace a task type set by <paramref name="current"/> (null: nothing set yet)?</summary>
    public static bool MayOverwrite(TaskTypeSource? current, TaskTypeSource incoming) =>
        current is not { } c || TaskTypeRank[incoming] >= TaskTypeRank[c];

    /// <summary>May <paramref name="incoming"/> replace a difficulty set by <paramref name="current"/> (null: nothing set yet)?</summary>
    public static bool MayOverwrite(DifficultySource? current, DifficultySource incoming) =>
        current is not { } c || DifficultyRank[incoming] >= DifficultyRank[c];

    /// <summary>The stored sources <paramref name="incoming"/> may replace, as their names (for SQL that updates in the database).</summary>
    public static IReadOnlyList<string> Replaceable(TaskTypeSource incoming) =>
        [.. Enum.GetValues<TaskTypeSource>().Where(s => MayOverwrite(s, incoming)).Select(s => s.ToString())];

    /// <inheritdoc cref="Replaceable(TaskTypeSource)"/>
    public static IReadOnlyList<string> Replaceable(DifficultySource incoming) =>
        [.. Enum.GetValues<DifficultySource>().Where(s => MayOverwrite(s, incoming)).Select(s => s.ToString())];

    /// <summary>A label the classifier run takes up by default: missing, or only guessed by the rules.</summary>
    public static bool Undecided(TaskType? type, TaskTypeSource? typeSource, Difficulty? difficulty, DifficultySource? difficultySource) =>
        type is null || typeSource is null or TaskTypeSource.Rule || difficulty is null || difficultySource is null or DifficultySource.Rule;

    public static string? Cut(string? detail) => detail is null || detail.Length <= MaxDetail ? detail : detail[..(MaxDetail - 1)] + "…";
}
