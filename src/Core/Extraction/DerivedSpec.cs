using DeepFinance.Core.Data;

namespace DeepFinance.Core.Extraction;

/// <summary>What <c>extract</c>, <c>a2q</c> and <c>t2q</c> share: how a proposed question is verified before it joins the pool.</summary>
public record DerivedSettings
{
    /// <summary>Sampled answers per proposal (k); the sampling prompt never carries the proposal's answer.</summary>
    public int SamplesToVerify { get; init; } = 4;
    /// <summary>Samples that must agree with the proposed answer (m of k).</summary>
    public int AgreeAtLeast { get; init; } = 2;
    /// <summary>Only the first this many parents (by id); null takes them all.</summary>
    public int? Limit { get; init; }
    public int? TemplateVersion { get; init; }
    public int? SampleTemplateVersion { get; init; }
    public string? SamplingSalt { get; init; }
    public double? RelativeTolerance { get; init; }
    public string? Judge { get; init; }
}

/// <summary>
/// The <c>a2q</c> spec. Parents are verified questions with a reference (at least one correct first answer, reference
/// not disputed), from <see cref="SourceRunId"/>, <see cref="QuestionIds"/> or, with neither, the whole pool of <see cref="Origin"/>.
/// </summary>
public sealed record A2qSpec : DerivedSettings
{
    public long? SourceRunId { get; init; }
    public IReadOnlyList<long>? QuestionIds { get; init; }
    public QuestionOrigin? Origin { get; init; }
    public int VariantsPerQuestion { get; init; } = 2;
    /// <summary>Perturbation kinds allowed: number, condition, entity, rule, negation (all when empty).</summary>
    public IReadOnlyList<string>? Kinds { get; init; }
}

/// <summary>The <c>t2q</c> spec. Sources are verified traces (correct answer), one per question, from a run or by id.</summary>
public sealed record T2qSpec : DerivedSettings
{
    public long? SourceRunId { get; init; }
    public IReadOnlyList<long>? TraceIds { get; init; }
    public int PointsPerTrace { get; init; } = 2;
    public int QuestionsPerPoint { get; init; } = 1;
}

/// <summary>
/// The <c>extract</c> spec: question–answer pairs drawn from the passages of a document set (or of chosen documents),
/// each verified by sampling like any derived question.
/// </summary>
public sealed record ExtractSpec : DerivedSettings
{
    public long? DocumentSetId { get; init; }
    public IReadOnlyList<long>? DocumentIds { get; init; }
    public int PairsPerPassage { get; init; } = 3;
}

/// <summary>Why a proposal did not join the pool; the codes are stored and counted per run.</summary>
public static class RejectReasons
{
    public const string MalformedJson = "malformed-json";
    public const string MissingField = "missing-field";
    public const string IdenticalToParent = "identical-to-parent";
    public const string NearDuplicate = "near-duplicate";
    public const string Duplicate = "duplicate";
    public const string UnparsableAnswer = "unparsable-answer";
    public const string Disagreement = "disagreement";
    /// <summary>Extract: the answer states a figure the passage does not contain.</summary>
    public const string UnsupportedAnswer = "unsupported-answer";

    public static IReadOnlyList<string> All { get; } =
        [MalformedJson, MissingField, IdenticalToParent, NearDuplicate, Duplicate, UnparsableAnswer, UnsupportedAnswer, Disagreement];

    public static IReadOnlyList<string> PerturbationKinds { get; } = ["number", "condition", "entity", "rule", "negation"];
}
