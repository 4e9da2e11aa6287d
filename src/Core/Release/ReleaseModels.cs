using System.Text.Json;
using System.Text.Json.Serialization;
using DeepFinance.Core.Data;

namespace DeepFinance.Core.Release;

/// <summary>What to do with an item whose text the PII scan flags.</summary>
public enum PiiPolicy
{
    /// <summary>Keep the item and list the hit; the release is blocked until every hit is fixed or waived.</summary>
    Block,

    /// <summary>Leave the item out with reason code <c>pii</c>.</summary>
    Exclude,
}

/// <summary>
/// Which candidates a release takes. Empty lists mean "all"; a filter on difficulty or pass rate leaves out questions
/// that have none. Withheld task types are held back even when <see cref="TaskTypes"/> is empty.
/// </summary>
public sealed record ReleaseSelection
{
    public IReadOnlyList<long> Runs { get; init; } = [];
    public IReadOnlyList<long> SeedSources { get; init; } = [];
    public IReadOnlyList<TaskType> TaskTypes { get; init; } = [];
    public IReadOnlyList<TaskType> Withheld { get; init; } = [];
    public IReadOnlyList<Difficulty> Difficulties { get; init; } = [];
    public double? MinPassRate { get; init; }
    public bool Dedup { get; init; } = true;
    /// <summary>Leave out traces that fail the quality screen (cut off, no reasoning, loops, wrong language…).</summary>
    public bool Quality { get; init; } = true;
    public PiiPolicy Pii { get; init; } = PiiPolicy.Block;
}

/// <summary>An Operator's request to cut a release.</summary>
public sealed record ReleaseRequest(string Version, string? Title, string? Notes, ReleaseSelection Selection, string? License = null);

/// <summary>Reason codes a release records for a candidate it leaves out (with the membership rule's own codes).</summary>
public static class ExclusionReasons
{
    public const string Duplicate = "duplicate";
    public const string Contaminated = "contaminated";
    public const string Pii = "pii";
    public const string Withheld = "withheld";
    public const string Quality = "quality";
}

/// <summary>Counts computed when a release is frozen, kept as <see cref="Data.Release.StatsJson"/>.</summary>
public sealed record ReleaseStats
{
    public Dictionary<string, int> ByTaskType { get; init; } = [];
    public Dictionary<string, int> ByDifficulty { get; init; } = [];
    public Dictionary<string, int> ByKind { get; init; } = [];
    public Dictionary<string, int> ByLanguage { get; init; } = [];
    public Dictionary<string, int> ByOrigin { get; init; } = [];
    public Dictionary<string, int> ExcludedByReason { get; init; } = [];
    public ReleaseChanges? Changes { get; init; }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static ReleaseStats Parse(string? json) =>
        string.IsNullOrEmpty(json) ? new ReleaseStats() : JsonSerializer.Deserialize<ReleaseStats>(json, Json) ?? new ReleaseStats();

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>The changelog's figures: what this release adds and drops against the previous one.</summary>
public sealed record ReleaseChanges(long? PreviousReleaseId, string? PreviousVersion, int AddedTraces, int RemovedTraces, int AddedQuestions, int RemovedQuestions);

/// <summary>A request the release service refuses, naming the field at fault.</summary>
public sealed class ReleaseValidationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>A change the release's state does not allow (a Ready release is immutable; a hit is resolved once).</summary>
public sealed class ReleaseConflictException(string message) : Exception(message);

/// <summary>The selection as stored in <see cref="Data.Release.SelectionJson"/>, with the notes it was cut with.</summary>
public static class SelectionJson
{
    public static string Write(ReleaseSelection selection) => JsonSerializer.Serialize(selection, ReleaseStats.Json);

    public static ReleaseSelection Read(string json) => JsonSerializer.Deserialize<ReleaseSelection>(json, ReleaseStats.Json) ?? new ReleaseSelection();
}
