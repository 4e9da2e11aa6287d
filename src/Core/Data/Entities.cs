using DeepFinance.Core.Verification;

namespace DeepFinance.Core.Data;

public enum QuestionOrigin { Q2A, A2Q, T2Q, RealWorld }

public enum Difficulty { Simple, Medium, Hard }

/// <summary>What set a question's difficulty. Which may overwrite which: <see cref="Extraction.ClassificationPrecedence"/>.</summary>
public enum DifficultySource { Seed, Expert, PassRate, Classifier, Rule, Operator }

/// <summary>What set a question's task type (the seed, its parent question, a rule, the classifier, an expert, an operator).</summary>
public enum TaskTypeSource { Seed, Parent, Rule, Classifier, Expert, Operator }

/// <summary>The kinds this product ships; a run stores its kind as a lower-case name, so a handler can add one without touching this list.</summary>
public enum RunKind { Q2a, Synthesize, Extract, A2q, T2q, Scr, Forge, Evaluate }

public enum RunItemStatus { Pending, Done, Failed }

public enum RunStatus { Queued, Running, Paused, Completed, Failed, Cancelled }

public enum PartitionStatus { Pending, Done }

public enum TraceStatus { Succeeded, Failed }

public enum SeedSourceStatus { Importing, Ready }

public sealed class SeedSource
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string FileName { get; set; }
    public required string Format { get; set; }
    public int ItemCount { get; set; }
    public required string ContentSha256 { get; set; }
    public DateTimeOffset ImportedAt { get; set; }
    public string? ImportedBy { get; set; }
}

public sealed class SeedItem
{
    public long Id { get; set; }
    public long SeedSourceId { get; set; }
    public int LineNumber { get; set; }
    public string? ExternalId { get; set; }
    public required string Question { get; set; }
    public required string Answer { get; set; }
    public List<string>? Options { get; set; }
    public TaskType? TaskType { get; set; }
    public string? Source { get; set; }
    /// <summary>Which question of its row (0 for the first): a TAT-QA row holds several questions on one table.</summary>
    public int ItemIndex { get; set; }
    /// <summary>The unit the source gave with the answer ("million", "percent"); already written into <see cref="Answer"/>.</summary>
    public string? AnswerScale { get; set; }
    public Difficulty? Difficulty { get; set; }
}

/// <summary>A field mapping for seed imports, saved by name so the next file of the same corpus reuses it.</summary>
public sealed class SavedSeedMapping
{
    public long Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The mapping as JSON (<see cref="DeepFinance.Core.Ingest.Corpora.SeedMapping"/>).</summary>
    public required string MappingJson { get; set; }
    public string? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class Question
{
    public long Id { get; set; }
    public QuestionOrigin Origin { get; set; }
    public long? SeedItemId { get; set; }
    public long? ParentQuestionId { get; set; }
    public long? CreatedByRunId { get; set; }
    public required string Text { get; set; }
    public string? ReferenceAnswer { get; set; }
    public List<string>? Options { get; set; }
    public TaskType? TaskType { get; set; }
    public TaskTypeSource? TaskTypeSource { get; set; }
    /// <summary>Who or what exactly decided the task type: a rule's name, the classifier's model and prompt version, an operator.</summary>
    public string? TaskTypeDetail { get; set; }
    public Difficulty? Difficulty { get; set; }
    public DifficultySource? DifficultySource { get; set; }
    /// <summary>The same for the difficulty: the rule's score, the classifier's model and prompt version, an operator.</summary>
    public string? DifficultyDetail { get; set; }
    public double? PassRate { get; set; }
    public int VerifiedSamples { get; set; }
    /// <summary>
    /// Self-consistency: for a question without a reference, the answer most samples agree on (more than
    /// half of them), standing in for a reference and marked as such by living here, never in <see cref="ReferenceAnswer"/>.
    /// </summary>
    public string? MajorityAnswer { get; set; }
    /// <summary>Share of the question's answered samples that agree with <see cref="MajorityAnswer"/>.</summary>
    public double? MajorityShare { get; set; }
    /// <summary>What A2Q changed in the parent (a number, condition, entity, rule).</summary>
    public string? Perturbation { get; set; }
    /// <summary>T2Q: the verified trace whose reasoning the question was mined from.</summary>
    public long? ParentTraceId { get; set; }
    /// <summary>T2Q: the knowledge point (formula, rule, definition, convention) the question targets.</summary>
    public string? KnowledgePoint { get; set; }
    /// <summary>T2Q: the merged knowledge point (see <see cref="Data.KnowledgePoint"/>) the question targets.</summary>
    public long? KnowledgePointId { get; set; }
    /// <summary>Extract: the passage of an imported document the question was drawn from.</summary>
    public long? PassageId { get; set; }
    /// <summary>When a reviewer disputed the reference answer: the question leaves every dataset until an Operator or Expert settles it.</summary>
    public DateTimeOffset? ReferenceDisputedAt { get; set; }
    public required string Language { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An OpenAI-compatible endpoint and model, with its limits and prices.</summary>
public sealed class Synthesizer
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string BaseUrl { get; set; }
    public required string Model { get; set; }
    public double Temperature { get; set; } = 0.6;
    public int MaxTokens { get; set; } = 4096;
    public int MaxConcurrency { get; set; } = 8;
    public int RequestsPerMinute { get; set; }
    public int TokensPerMinute { get; set; }
    public decimal InputPricePerMillion { get; set; }
    public decimal OutputPricePerMillion { get; set; }
    public bool External { get; set; }
    public bool Streaming { get; set; }
    public bool Simulated { get; set; }
    public bool SendSeed { get; set; } = true;
    /// <summary>Where the row came from: "configuration" rows are refreshed from appsettings at start-up; "ui" rows are edited by operators.</summary>
    public required string Source { get; set; }
    /// <summary>The API key encrypted with ASP.NET Data Protection; never decrypted except to call the endpoint.</summary>
    public string? ApiKeyProtected { get; set; }
    /// <summary>The last four characters of the stored key, the only part ever shown.</summary>
    public string? ApiKeyLast4 { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One version of a synthesizer's prices. Runs copy the current prices at launch, so a new version applies to new runs only.</summary>
public sealed class SynthesizerPrice
{
    public long Id { get; set; }
    public long SynthesizerId { get; set; }
    public decimal InputPricePerMillion { get; set; }
    public decimal OutputPricePerMillion { get; set; }
    public DateTimeOffset EffectiveFrom { get; set; }
    public required string ChangedBy { get; set; }
}

/// <summary>A versioned Liquid prompt. Versions are immutable; an edit makes a new version.</summary>
public sealed class PromptTemplate
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public int Version { get; set; }
    public required string Body { get; set; }
    public required string Sha256 { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? CreatedBy { get; set; }
}

public sealed class Run
{
    public long Id { get; set; }
    /// <summary>The handler's kind name, lower case (<c>q2a</c>, <c>synthesize</c>, …).</summary>
    public required string Kind { get; set; }
    public RunStatus Status { get; set; }
    public string? Name { get; set; }
    public long? SeedSourceId { get; set; }
    public required string SynthesizerName { get; set; }
    public required string Model { get; set; }
    public int SamplesPerQuestion { get; set; }
    public long PromptTemplateId { get; set; }
    public required string SamplingSalt { get; set; }
    /// <summary>Verification parameters shared by sampling kinds, as JSON (tolerances, judge, partition size).</summary>
    public required string ParametersJson { get; set; }
    /// <summary>The kind's own spec as its handler normalised it at launch.</summary>
    public string SpecJson { get; set; } = "{}";
    /// <summary>Prices are copied at launch so a later price change applies to new runs only.</summary>
    public decimal InputPricePerMillion { get; set; }
    public decimal OutputPricePerMillion { get; set; }
    public int Total { get; set; }
    public int Done { get; set; }
    public int Failed { get; set; }
    public int FromStore { get; set; }
    public int Attempts { get; set; }
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
    public long ReasoningTokens { get; set; }
    /// <summary>Spend in millionths of the price currency, so counters add up exactly in SQL.</summary>
    public long CostMicros { get; set; }
    public decimal Cost => CostMicros / 1_000_000m;
    public int PartitionCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? LaunchedBy { get; set; }
    public string? Error { get; set; }
}

/// <summary>
/// One unit of a run's work, under a key its kind chooses (a question and sample, a trace, a passage),
/// and the partition it is processed in. Its status is the commit guard: a result is stored only by
/// the worker that moves it out of <see cref="RunItemStatus.Pending"/>.
/// </summary>
public sealed class RunItem
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public required string Key { get; set; }
    /// <summary>The row the item is about (question, trace, passage), as the kind defines it.</summary>
    public long SubjectId { get; set; }
    /// <summary>Which of the subject's samples or rounds this item is.</summary>
    public int Slot { get; set; }
    public int Partition { get; set; }
    public RunItemStatus Status { get; set; }
    public string? Error { get; set; }
}

/// <summary>A prompt version a run uses in one role (sample, judge, reflection, rewrite…), pinned at launch.</summary>
public sealed class RunPrompt
{
    public long RunId { get; set; }
    public required string Role { get; set; }
    public long PromptTemplateId { get; set; }
}

/// <summary>A slice of a run held by one worker at a time through a lease with a heartbeat.</summary>
public sealed class RunPartition
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public int Index { get; set; }
    public PartitionStatus Status { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

public sealed class CotTrace
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public long QuestionId { get; set; }
    public int SampleIndex { get; set; }
    /// <summary>0 for a first answer; n for the n-th self-correction round.</summary>
    public int Round { get; set; }
    /// <summary>The trace this one corrects or continues (self-correction rewriting).</summary>
    public long? ParentTraceId { get; set; }
    /// <summary>The run item whose processing produced this trace.</summary>
    public long? RunItemId { get; set; }
    public TraceStatus Status { get; set; }
    public string? Reasoning { get; set; }
    public string? Answer { get; set; }
    public string? ExtractedAnswer { get; set; }
    public Verdict? Verdict { get; set; }
    public string? VerdictRule { get; set; }
    public string? VerdictReason { get; set; }
    /// <summary>The judge prompt version behind a verdict with rule "judge"; null for rule verdicts.</summary>
    public long? JudgePromptTemplateId { get; set; }
    public string? FailureReason { get; set; }
    /// <summary>Self-correction: the reflection on the previous attempt that this round's rewrite continued from.</summary>
    public string? Reflection { get; set; }
    /// <summary>Leak screen: a JSON array of the phrases or values by which this round leans on the reference; null when clean.</summary>
    public string? LeakHits { get; set; }
    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }
    public int ReasoningTokens { get; set; }
    public int LatencyMs { get; set; }
    /// <summary>What this trace cost this run, in millionths: zero when the response came from the store.</summary>
    public long CostMicros { get; set; }
    public decimal Cost => CostMicros / 1_000_000m;
    public bool FromStore { get; set; }
    public required string RequestHash { get; set; }
    public long PromptTemplateId { get; set; }
    public int TemplateVersion { get; set; }
    public required string SynthesizerName { get; set; }
    public required string Model { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A parsed, successful LLM response under its canonical request hash. Never sent again.</summary>
public sealed class LlmResponse
{
    public required string RequestHash { get; set; }
    public required string SynthesizerName { get; set; }
    public required string Model { get; set; }
    public required string Content { get; set; }
    public string? Reasoning { get; set; }
    public required string ReasoningFormat { get; set; }
    public string? FinishReason { get; set; }
    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }
    public int ReasoningTokens { get; set; }
    public int LatencyMs { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A re-verification of a run's traces with new tolerances or a judge, with before/after counts.</summary>
public sealed class Reverification
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public double RelativeTolerance { get; set; }
    public string? Judge { get; set; }
    public int Examined { get; set; }
    public int Changed { get; set; }
    public int CorrectBefore { get; set; }
    public int CorrectAfter { get; set; }
    public int IncorrectBefore { get; set; }
    public int IncorrectAfter { get; set; }
    public int UnverifiableBefore { get; set; }
    public int UnverifiableAfter { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
    public string? RequestedBy { get; set; }
}

public enum ReviewStatus { Pending, Accepted, Rejected, Disputed, SentBack }

public enum ReviewDecisionKind { Accept, Fix, Reject, SendBack, Dispute }

/// <summary>
/// A verified self-correction rewrite waiting for, or carrying, a reviewer's decision. An accepted one (with the
/// reviewer's edit, if any) is what a dataset takes from a rewrite; traces verified in the first place need none.
/// </summary>
public sealed class Review
{
    public long Id { get; set; }
    /// <summary>The scr run that produced the rewrite.</summary>
    public long RunId { get; set; }
    public long QuestionId { get; set; }
    /// <summary>The flawed trace the rewriting started from (round 0, in the source run).</summary>
    public long OriginalTraceId { get; set; }
    /// <summary>The last round's trace: the verified rewrite.</summary>
    public long RewriteTraceId { get; set; }
    public int Rounds { get; set; }
    public bool LeakFlag { get; set; }
    /// <summary>Why a reviewer let a flagged rewrite through.</summary>
    public string? LeakOverrideReason { get; set; }
    public ReviewStatus Status { get; set; }
    /// <summary>Optimistic concurrency: every change bumps it, and a decision on an older one is refused.</summary>
    public int Version { get; set; }
    public string? ReservedBy { get; set; }
    public DateTimeOffset? ReservedUntil { get; set; }
    /// <summary>How many distinct reviewers must decide (2 for the share picked for double review).</summary>
    public int RequiredReviews { get; set; } = 1;
    /// <summary>The reasoning a dataset takes when a reviewer fixed the rewrite; null means the rewrite as generated.</summary>
    public string? FinalReasoning { get; set; }
    public string? FinalAnswer { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
}

/// <summary>One reviewer's decision on a review, kept for history, agreement (kappa) and reviewer statistics.</summary>
public sealed class ReviewDecision
{
    public long Id { get; set; }
    public long ReviewId { get; set; }
    public required string Reviewer { get; set; }
    public ReviewDecisionKind Decision { get; set; }
    /// <summary>A reject's reason from the fixed list; free text goes into <see cref="Comment"/>.</summary>
    public string? ReasonCode { get; set; }
    public string? Comment { get; set; }
    /// <summary>A fix's edit as a unified diff against the rewrite, so the history shows what changed.</summary>
    public string? EditDiff { get; set; }
    /// <summary>Time from reservation to decision.</summary>
    public int ElapsedMs { get; set; }
    public DateTimeOffset At { get; set; }
}

public enum RealWorldQueryStatus { AwaitingCheck, Checked, Annotated, Adjudicating, Approved, Unusable }

/// <summary>One upload of real-world user queries; erasing it erases the raw text of every query in it.</summary>
public sealed class RealWorldImport
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string FileName { get; set; }
    public required string ImportedBy { get; set; }
    public int QueryCount { get; set; }
    public DateTimeOffset ImportedAt { get; set; }
    /// <summary>When the raw text of this import's queries is erased automatically.</summary>
    public DateTimeOffset RawRetainedUntil { get; set; }
}

/// <summary>
/// A real customer's query. The raw text is kept apart, encrypted (Data Protection), seen only by Admins and Experts,
/// and erased on demand or at the end of retention; everything else reads <see cref="DesensitizedText"/>.
/// </summary>
public sealed class RealWorldQuery
{
    public long Id { get; set; }
    public long ImportId { get; set; }
    public int LineNumber { get; set; }
    /// <summary>The raw text, protected; null once erased.</summary>
    public string? RawProtected { get; set; }
    public DateTimeOffset? RawErasedAt { get; set; }
    public required string DesensitizedText { get; set; }
    /// <summary>The entities found (and corrected by the expert): JSON array of {type, level, start, end, recognizer}.</summary>
    public required string EntitiesJson { get; set; }
    /// <summary>The highest sensitivity level that survives in the desensitized text (C1 lowest, C3 highest), or null.</summary>
    public string? HighestSurvivingLevel { get; set; }
    public string? Channel { get; set; }
    public string? Product { get; set; }
    public DateOnly? AskedOn { get; set; }
    public RealWorldQueryStatus Status { get; set; }
    /// <summary>Optimistic concurrency for check, annotation and adjudication.</summary>
    public int Version { get; set; }
    public string? CheckedBy { get; set; }
    public DateTimeOffset? CheckedAt { get; set; }
    /// <summary>The question this query became once approved and annotated (origin RealWorld).</summary>
    public long? QuestionId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An expert's share of the work: a query to check and annotate, or a rewrite a reviewer sent back.</summary>
public sealed class ExpertAssignment
{
    public long Id { get; set; }
    public long? QueryId { get; set; }
    public long? ReviewId { get; set; }
    public required string Expert { get; set; }
    public bool Done { get; set; }
    public DateTimeOffset? ReservedUntil { get; set; }
    public DateTimeOffset AssignedAt { get; set; }
    public DateTimeOffset? DoneAt { get; set; }
}

/// <summary>One expert's annotation of a query; an Admin's adjudication is one too, and it makes the final annotation.</summary>
public sealed class Annotation
{
    public long Id { get; set; }
    public long QueryId { get; set; }
    public required string Expert { get; set; }
    public bool IsAdjudication { get; set; }
    public TaskType? TaskType { get; set; }
    public Difficulty? Difficulty { get; set; }
    /// <summary>JSON array of capability tag names.</summary>
    public string CapabilityTagsJson { get; set; } = "[]";
    public string? ReferenceAnswer { get; set; }
    /// <summary>The reference began as an internal model's draft that the expert confirmed.</summary>
    public bool ReferenceFromDraft { get; set; }
    public bool Usable { get; set; } = true;
    public string? UnusableReason { get; set; }
    public string? Notes { get; set; }
    public int GuidelineVersion { get; set; }
    public int ElapsedMs { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>The annotation guidelines, in Markdown and versioned; every annotation records the version it followed.</summary>
public sealed class AnnotationGuideline
{
    public long Id { get; set; }
    public int Version { get; set; }
    public required string Markdown { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A capability an annotation can tag a query with, from a managed list.</summary>
public sealed class CapabilityTag
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public string? NameZh { get; set; }
    public bool Retired { get; set; }
}

/// <summary>
/// An evaluation benchmark imported so that nothing resembling it enters a dataset (decontamination), and so that
/// evaluation runs later score models on it. Its items never go into a release.
/// </summary>
public sealed class BenchmarkSet
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string FileName { get; set; }
    public int ItemCount { get; set; }
    public required string ContentSha256 { get; set; }
    public required string ImportedBy { get; set; }
    public DateTimeOffset ImportedAt { get; set; }
}

public sealed class BenchmarkItem
{
    public long Id { get; set; }
    public long BenchmarkSetId { get; set; }
    public int LineNumber { get; set; }
    public string? ExternalId { get; set; }
    public required string Question { get; set; }
    public required string Answer { get; set; }
    public List<string>? Options { get; set; }
    public TaskType? TaskType { get; set; }
    public Difficulty? Difficulty { get; set; }
}

/// <summary>A question found too close to a benchmark item: excluded from every release while the hit stands.</summary>
public sealed class ContaminationHit
{
    public long Id { get; set; }
    public long QuestionId { get; set; }
    public long BenchmarkItemId { get; set; }
    /// <summary>"ngram" (shared word/character n-grams) or "near-duplicate" (MinHash similarity).</summary>
    public required string Method { get; set; }
    public double Score { get; set; }
    public DateTimeOffset DetectedAt { get; set; }
}

public enum ReleaseStatus { Draft, Blocked, Ready }

/// <summary>
/// A frozen, versioned dataset: the selection that made it (filters, origins, task types, withheld categories), the
/// exact questions and traces it holds, its statistics and its changelog against the previous release.
/// </summary>
public sealed class Release
{
    public long Id { get; set; }
    /// <summary>Unique, e.g. "1.0.0".</summary>
    public required string Version { get; set; }
    public string? Title { get; set; }
    public ReleaseStatus Status { get; set; }
    /// <summary>The selection as JSON: quality filters on, origins and task types in, withheld categories.</summary>
    public required string SelectionJson { get; set; }
    public long? PreviousReleaseId { get; set; }
    /// <summary>Counts and histograms as JSON, computed when the release was frozen.</summary>
    public string? StatsJson { get; set; }
    /// <summary>What changed against the previous release, as Markdown.</summary>
    public string? Changelog { get; set; }
    public string? License { get; set; }
    public int QuestionCount { get; set; }
    public int TraceCount { get; set; }
    public int PairCount { get; set; }
    public int ExcludedCount { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum ReleaseItemKind { Verified, AcceptedRewrite }

/// <summary>One trace frozen into a release, with the release's own copy of any text a PII fix changed.</summary>
public sealed class ReleaseItem
{
    public long ReleaseId { get; set; }
    public long TraceId { get; set; }
    public long QuestionId { get; set; }
    public ReleaseItemKind Kind { get; set; }
    /// <summary>For an accepted rewrite: its review, and the flawed first answer it corrects (the rejected side of a preference pair).</summary>
    public long? ReviewId { get; set; }
    public long? OriginalTraceId { get; set; }
    /// <summary>Null means the source text; set when a reviewer's edit or a PII fix changed it for this release.</summary>
    public string? QuestionText { get; set; }
    public string? Reasoning { get; set; }
    public string? Answer { get; set; }
}

/// <summary>A candidate a release's filters left out, with the reason code that did it.</summary>
public sealed class ReleaseExclusion
{
    public long Id { get; set; }
    public long ReleaseId { get; set; }
    public long QuestionId { get; set; }
    public long? TraceId { get; set; }
    public required string ReasonCode { get; set; }
    public string? Detail { get; set; }
}

public enum PiiHitStatus { Open, Fixed, Waived }

/// <summary>Personal data the desensitizer found in a release's text; an open one blocks export.</summary>
public sealed class ReleasePiiHit
{
    public long Id { get; set; }
    public long ReleaseId { get; set; }
    public long QuestionId { get; set; }
    public long? TraceId { get; set; }
    /// <summary>"question", "reasoning" or "answer".</summary>
    public required string Field { get; set; }
    public required string EntityType { get; set; }
    public required string Level { get; set; }
    public int Start { get; set; }
    public int Length { get; set; }
    /// <summary>The hit with its surroundings, the personal value itself masked.</summary>
    public required string Context { get; set; }
    public PiiHitStatus Status { get; set; }
    public string? WaiverReason { get; set; }
    public string? ResolvedBy { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
}

public enum DerivedStatus { Verified, Rejected }

/// <summary>
/// One question an <c>a2q</c> or <c>t2q</c> run proposed, whatever became of it: verified (then <see cref="QuestionId"/>
/// names the question it became) or rejected with a reason code and detail. Malformed output is kept raw.
/// </summary>
public sealed class DerivedCandidate
{
    public long Id { get; set; }
    public long RunId { get; set; }
    /// <summary>The item that proposed it; a retried item's earlier proposals are replaced.</summary>
    public long RunItemId { get; set; }
    public QuestionOrigin Origin { get; set; }
    /// <summary>The question it derives from (a2q, t2q); null for a pair drawn from a passage (extract).</summary>
    public long? ParentQuestionId { get; set; }
    public long? ParentTraceId { get; set; }
    /// <summary>Extract: the passage the pair was drawn from.</summary>
    public long? PassageId { get; set; }
    /// <summary>Position in the model's answer (0 for an answer that could not be read at all).</summary>
    public int Index { get; set; }
    public string? Text { get; set; }
    public string? Answer { get; set; }
    /// <summary>A2Q: number, condition, entity, rule or negation.</summary>
    public string? PerturbationKind { get; set; }
    public string? PerturbationBefore { get; set; }
    public string? PerturbationAfter { get; set; }
    /// <summary>T2Q: the knowledge point the question targets.</summary>
    public string? KnowledgePoint { get; set; }
    /// <summary>T2Q: the merged knowledge point the proposal targets.</summary>
    public long? KnowledgePointId { get; set; }
    public DerivedStatus Status { get; set; }
    /// <summary>Reason code of a rejection: malformed-json, missing-field, identical-to-parent, duplicate, unparsable-answer, disagreement.</summary>
    public string? RejectReason { get; set; }
    public string? RejectDetail { get; set; }
    /// <summary>The model's raw answer, kept when it could not be read.</summary>
    public string? RawText { get; set; }
    /// <summary>The answer to the one repair request, kept when it could not be read either.</summary>
    public string? RepairRawText { get; set; }
    /// <summary>Sampled answers that agreed with the new reference, out of <see cref="Samples"/>.</summary>
    public int Agreed { get; set; }
    public int Samples { get; set; }
    public long? QuestionId { get; set; }
    public required string RequestHash { get; set; }
    public long PromptTemplateId { get; set; }
    public int TemplateVersion { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Raw documents imported together under one name; an <c>extract</c> run draws QA pairs from its passages.</summary>
public sealed class DocumentSet
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public int MaxPassageChars { get; set; }
    public int OverlapChars { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One uploaded file (plain text, Markdown or HTML), reduced to text and chunked into passages.</summary>
public sealed class Document
{
    public long Id { get; set; }
    public long DocumentSetId { get; set; }
    public required string FileName { get; set; }
    /// <summary>text, markdown or html.</summary>
    public required string Format { get; set; }
    public string? Title { get; set; }
    public required string Language { get; set; }
    public int Chars { get; set; }
    public int PassageCount { get; set; }
    public required string Sha256 { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A bounded piece of a document: the item of an <c>extract</c> run.</summary>
public sealed class Passage
{
    public long Id { get; set; }
    public long DocumentId { get; set; }
    /// <summary>Position in the document, from 0.</summary>
    public int Index { get; set; }
    /// <summary>The heading path the passage sits under ("Annual report › Risk").</summary>
    public string? Heading { get; set; }
    public required string Text { get; set; }
    /// <summary>The document line the passage starts on (1-based), so a pair can be traced back to its place.</summary>
    public int StartLine { get; set; }
    public required string Language { get; set; }
}
