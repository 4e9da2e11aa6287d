using DeepFinance.Core.Data;

namespace DeepFinance.Core.Annotation;

/// <summary>One span of personal data in a query's raw text (UTF-16 offsets), as stored in <see cref="RealWorldQuery.EntitiesJson"/>. Never the value itself.</summary>
public sealed record QueryEntity(string Type, string Level, int Start, int End, string Recognizer, string? Replacement = null);

public sealed record RealWorldImportError(int Line, string Field, string Message)
{
    public override string ToString() => Field.Length == 0 ? $"line {Line}: {Message}" : $"line {Line}, {Field}: {Message}";
}

public sealed record RealWorldImportResult(long? ImportId, int QueryCount, IReadOnlyList<RealWorldImportError> Errors, int Assignments = 0)
{
    public bool Succeeded => ImportId is not null && Errors.Count == 0;
}

/// <summary>A row of the queue: desensitized text only.</summary>
public sealed record QueryRow(long Id, long ImportId, int LineNumber, RealWorldQueryStatus Status, int Version, string Preview, string? Channel,
    string? Product, DateOnly? AskedOn, bool RawErased, int Annotations, int Assigned, bool MineDone, DateTimeOffset CreatedAt);

public sealed record QueryFilter(RealWorldQueryStatus? Status = null, long? ImportId = null, string? Search = null, bool MineOnly = false,
    bool IncludeDone = false, int Page = 1, int PageSize = 25, bool Descending = false);

/// <summary>A query as anyone with read access sees it: desensitized text and its entities, never the raw text.</summary>
public sealed record QueryDetail(long Id, long ImportId, int LineNumber, RealWorldQueryStatus Status, int Version, string DesensitizedText,
    IReadOnlyList<QueryEntity> Entities, string? HighestSurvivingLevel, string? Channel, string? Product, DateOnly? AskedOn, bool RawErased,
    string? CheckedBy, DateTimeOffset? CheckedAt, long? QuestionId, IReadOnlyList<string> AssignedExperts, IReadOnlyList<Data.Annotation> Annotations);

/// <summary>An expert's check: the final spans over the raw text (adding missed ones, dropping wrong ones), or a hand-corrected text.</summary>
public sealed record CheckRequest(int Version, IReadOnlyList<SpanEdit>? Spans = null, string? Text = null);

public sealed record SpanEdit(string Type, int Start, int End);

public sealed record AnnotationRequest(int Version, TaskType? TaskType, Difficulty? Difficulty, IReadOnlyList<string>? Tags, string? ReferenceAnswer,
    bool Usable = true, string? UnusableReason = null, string? Notes = null, bool ReferenceFromDraft = false, int ElapsedMs = 0);

public sealed record StepOutcome(long QueryId, RealWorldQueryStatus Status, int Version, long? QuestionId = null);

/// <summary>A request the rules refuse for its content; <see cref="Field"/> names what to fix.</summary>
public sealed class RealWorldValidationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>Refused because the query moved on (another version, another status) or this person may not do it now.</summary>
public sealed class RealWorldConflictException(string message) : Exception(message)
{
    public RealWorldQueryStatus CurrentStatus { get; init; }
    public int CurrentVersion { get; init; }
}

/// <summary>The caller's roles do not allow this (raw text to an Operator or Reviewer, adjudication by a non-Admin).</summary>
public sealed class RealWorldForbiddenException(string message) : Exception(message);
