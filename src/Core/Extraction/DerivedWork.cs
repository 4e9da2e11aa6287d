using System.Globalization;
using DeepFinance.Core.Curation;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Synthesis;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Extraction;

/// <summary>
/// A partition of <c>a2q</c> or <c>t2q</c> items. Per item: one generation request (the parent question, its reference or
/// the verified reasoning) → strict JSON → each proposal checked (fields, answer the rules can check, not the parent again,
/// not a duplicate) → k sampled answers that never see the proposed answer → verified when at least m agree. Verified
/// proposals become questions with their samples as traces; every proposal is stored as a candidate with its outcome.
/// An answer that is not the JSON asked for fails the item with the reason, the raw text kept.
/// </summary>
public sealed partial class DerivedWork : IPartitionWork
{
    public const string A2qPurpose = "a2q-generate";
    public const string T2qPurpose = "t2q-mine";
    public const string VerifyPurpose = "derived-verify";

    private readonly RunContext _run;
    private readonly QuestionOrigin _origin;
    private readonly DerivedSettings _settings;
    private readonly LlmGateway _gateway;
    private readonly AnswerVerifier _verifier;
    private readonly CotSampler _sampler;
    private readonly PromptLibrary _prompts;
    private readonly IDuplicateDetector _detector;
    private readonly PromptVersion _generate;
    private readonly PromptVersion _sample;
    private readonly RunParameters _parameters;
    private readonly Dictionary<long, Question> _questions;
    private readonly Dictionary<long, CotTrace> _traces;
    private readonly Dictionary<long, List<string>> _children;
    private readonly IReadOnlyDictionary<long, RequestProvenance> _provenance;
    private readonly KnowledgePointMerger? _merger;

    private DerivedWork(RunContext run, QuestionOrigin origin, DerivedSettings settings, LlmGateway gateway, AnswerVerifier verifier, CotSampler sampler,
        PromptLibrary prompts, IDuplicateDetector detector, PromptVersion generate, PromptVersion sample, Dictionary<long, Question> questions,
        Dictionary<long, CotTrace> traces, Dictionary<long, List<string>> children, IReadOnlyDictionary<long, RequestProvenance> provenance,
        KnowledgePointMerger? merger)
    {
        _merger = merger;
        _run = run;
        _origin = origin;
        _settings = settings;
        _gateway = gateway;
        _verifier = verifier;
        _sampler = sampler;
        _prompts = prompts;
        _detector = detector;
        _generate = generate;
        _sample = sample;
        _parameters = RunParameters.Of(run.Run);
        _questions = questions;
        _traces = traces;
        _children = children;
        _provenance = provenance;
    }

    /// <param name="origin">A2Q: items are questions. T2Q: items are traces.</param>
    public static async Task<DerivedWork> OpenAsync(RunContext run, QuestionOrigin origin, DerivedSettings settings, IReadOnlyList<RunItemRef> items,
        IDbContextFactory<DeepFinanceDbContext> dbFactory, PromptLibrary prompts, LlmGateway gateway, AnswerVerifier verifier, CotSampler sampler,
        IDuplicateDetector detector, string generateRole, CancellationToken ct, KnowledgePointMerger? merger = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(items);
        var subjects = items.Select(i => i.SubjectId).Distinct().ToList();
        var itemIds = items.Select(i => i.Id).ToList();
        Dictionary<long, CotTrace> traces = [];
        Dictionary<long, Question> questions;
        Dictionary<long, List<string>> children;
        IReadOnlyDictionary<long, RequestProvenance> provenance;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // A retried item's earlier proposals (kept from a failed attempt) give way to the new attempt's.
            await db.DerivedCandidates.Where(c => c.RunId == run.RunId && itemIds.Contains(c.RunItemId)).ExecuteDeleteAsync(ct);
            List<long> questionIds;
            if (origin == QuestionOrigin.T2Q)
            {
                traces = await db.Traces.AsNoTracking().Where(t => subjects.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
                questionIds = [.. traces.Values.Select(t => t.QuestionId).Distinct()];
            }
            else
            {
                questionIds = subjects;
            }
            questions = await db.Questions.AsNoTracking().Where(q => questionIds.Contains(q.Id)).ToDictionaryAsync(q => q.Id, ct);
            // Questions already derived from these parents: a new proposal repeating one is a duplicate.
            children = (await db.Questions.AsNoTracking().Where(q => q.ParentQuestionId != null && questionIds.Contains(q.ParentQuestionId.Value))
                    .Select(q => new { Parent = q.ParentQuestionId!.Value, q.Text }).ToListAsync(ct))
                .GroupBy(x => x.Parent).ToDictionary(g => g.Key, g => g.Select(x => x.Text).ToList());
            provenance = await QuestionProvenance.OfManyAsync(db, questionIds, ct);
        }
        var generate = await prompts.GetByIdAsync(run.Prompt(generateRole), ct);
        var sample = await prompts.GetByIdAsync(run.Prompt(SamplingPlanner.SampleRole), ct);
        return new DerivedWork(run, origin, settings, gateway, verifier, sampler, prompts, detector, generate, sample, questions, traces, children, provenance,
            merger);
    }

    public async Task<ItemResult> ProcessAsync(RunItemRef item, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(item);
        CotTrace? sourceTrace = null;
        long questionId = item.SubjectId;
        if (_origin == QuestionOrigin.T2Q)
        {
            if (!_traces.TryGetValue(item.SubjectId, out sourceTrace))
            {
                return ItemResult.Failed($"trace {item.SubjectId} no longer exists");
            }
            questionId = sourceTrace.QuestionId;
        }
        if (!_questions.TryGetValue(questionId, out var parent) || parent.ReferenceAnswer is not { } reference)
        {
            return ItemResult.Failed($"question {questionId} no longer exists or has no reference answer");
        }
        // Unknown lineage fails closed: the privacy gate treats it as raw-derived.
        var from = _provenance.GetValueOrDefault(parent.Id, RequestProvenance.RawDerived);
        var profile = _run.Synthesizer;
        var request = GenerationRequest(parent, reference, sourceTrace, from);
        var hash = RequestHasher.Hash(profile, request);
        var template = (_generate.Id, _generate.Version);
        LlmResult generated;
        try
        {
            generated = await _gateway.CompleteAsync(profile, request, ct, hash: hash);
        }
        catch (Exception e) when (e is LlmCallException or PrivacyGateException)
        {
            return ItemResult.Failed(e.Message);
        }
        var allFromStore = generated.FromStore;
        var content = generated.Completion.Content;
        IReadOnlyList<Proposal> proposals;
        try
        {
            proposals = _origin == QuestionOrigin.A2Q ? DerivedOutput.ReadA2q(content) : DerivedOutput.ReadT2q(content);
        }
        catch (MalformedOutputException e)
        {
            var reason = $"{RejectReasons.MalformedJson}: {e.Message}";
            var row = Candidate(item, parent, sourceTrace, new Proposal(0, null, null, null, null, null, null, null, null), hash, template);
            row.Status = DerivedStatus.Rejected;
            row.RejectReason = RejectReasons.MalformedJson;
            row.RejectDetail = Brief(e.Message);
            row.RawText = Cut(content, 20_000);
            return new ItemResult([], reason) { Rows = [new CandidateRow(row, null, [])] };
        }
        if (proposals.Count == 0)
        {
            var row = Candidate(item, parent, sourceTrace, new Proposal(0, null, null, null, null, null, null, null, null), hash, template);
            row.Status = DerivedStatus.Rejected;
            row.RejectReason = RejectReasons.MissingField;
            row.RejectDetail = _origin == QuestionOrigin.A2Q ? "the answer lists no variants" : "the answer lists no knowledge points";
            row.RawText = Cut(content, 20_000);
            return new ItemResult([], null, allFromStore) { Rows = [new CandidateRow(row, null, [])] };
        }

        var rows = new List<IResultRow>();
        // T2Q: each mined point is recorded (merged with the same point from other traces) before the questions that target it.
        var pointKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_origin == QuestionOrigin.T2Q && _merger is not null && sourceTrace is not null)
        {
            foreach (var p in proposals.Where(p => p.KnowledgePoint is not null).DistinctBy(p => p.KnowledgePoint, StringComparer.Ordinal))
            {
                var statement = Cut(p.KnowledgePoint, 2000)!;
                var key = await _merger.ResolveAsync(statement, ct);
                pointKeys[p.KnowledgePoint!] = key;
                rows.Add(new MinedPointRow(new KnowledgePoint
                {
                    Key = key, Text = statement, Kind = KnowledgePointMerger.KindOf(p.Kind), FirstSeenAt = DateTimeOffset.UtcNow, FirstRunId = _run.RunId,
                }, sourceTrace.Id));
            }
        }
        var seen = new List<string>(_children.GetValueOrDefault(parent.Id) ?? []);
        foreach (var proposal in proposals)
        {
            var row = Candidate(item, parent, sourceTrace, proposal, hash, template);
            var pointKey = proposal.KnowledgePoint is { } kp ? pointKeys.GetValueOrDefault(kp) : null;
            var rejection = Check(parent, proposal, seen);
            if (rejection is not null)
            {
                row.Status = DerivedStatus.Rejected;
                row.RejectReason = rejection.Value.Code;
                row.RejectDetail = Brief(rejection.Value.Detail);
                rows.Add(new CandidateRow(row, null, [], pointKey));
                continue;
            }
            seen.Add(proposal.Text!);
            var question = NewQuestion(parent, sourceTrace, proposal);
            var samples = new List<CotTrace>();
            try
            {
                for (var s = 0; s < _settings.SamplesToVerify; s++)
                {
                    var (trace, fromStore) = await SampleAsync(question, proposal.Answer!, from, s, ct);
                    allFromStore &= fromStore;
                    samples.Add(trace);
                }
            }
            catch (Exception e) when (e is LlmCallException or PrivacyGateException)
            {
                // A sampling call that could not be completed fails the item; the stored answers make the retry cheap.
                return ItemResult.Failed($"verifying proposal {proposal.Index + 1}: {e.Message}");
            }
            row.Samples = samples.Count;
            row.Agreed = samples.Count(t => t.Verdict == Verdict.Correct);
            if (row.Agreed >= _settings.AgreeAtLeast)
            {
                row.Status = DerivedStatus.Verified;
                rows.Add(new CandidateRow(row, question, samples, pointKey));
            }
            else
            {
                row.Status = DerivedStatus.Rejected;
                row.RejectReason = RejectReasons.Disagreement;
                row.RejectDetail = string.Create(CultureInfo.InvariantCulture,
                    $"{row.Agreed} of {row.Samples} sampled answers agreed with the proposed answer; at least {_settings.AgreeAtLeast} needed");
                rows.Add(new CandidateRow(row, null, [], pointKey));
            }
        }
        return new ItemResult([], null, allFromStore) { Rows = rows };
    }

    /// <summary>The first check a proposal fails, or null when it may go on to sampling.</summary>
    private (string Code, string Detail)? Check(Question parent, Proposal p, List<string> seen)
    {
        var label = $"proposal {p.Index + 1}";
        if (p.Missing is { } missing)
        {
            return (RejectReasons.MissingField, $"{label} lacks {missing}");
        }
        var text = p.Text!;
        var verdict = _detector.Compare(parent.Text, text);
        if (verdict.IsDuplicate)
        {
            return verdict.Rule == "exact"
                ? (RejectReasons.IdenticalToParent, $"{label} is the parent question again after normalisation")
                : (RejectReasons.NearDuplicate, $"{label} is a near-duplicate of the parent ({verdict.Reason})");
        }
        foreach (var other in seen)
        {
            if (_detector.Compare(other, text).IsDuplicate)
            {
                return (RejectReasons.Duplicate, $"{label} repeats a question already derived from this parent: \"{Cut(other, 120)}\"");
            }
        }
        var answer = p.Answer!;
        var options = p.Options ?? (_origin == QuestionOrigin.A2Q ? parent.Options : null);
        var kind = ReferenceAnswer.Classify(answer);
        if (kind.Kind == ReferenceKind.Text && _parameters.Judge is null)
        {
            return (RejectReasons.UnparsableAnswer,
                $"{label}: the answer \"{Cut(answer, 200)}\" is open text the rules cannot check (no number, option, true/false or date), and the run has no judge");
        }
        var optionCount = options is { Count: > 0 } ? options.Count : InlineOptionCount(p.Text ?? "");
        if (kind.Kind == ReferenceKind.Choice && HighestLetter(kind.ChoiceMask) >= optionCount)
        {
            return (RejectReasons.UnparsableAnswer, $"{label}: the answer \"{Cut(answer, 50)}\" names an option the question does not have");
        }
        return null;
    }

    /// <summary>Options listed inside the question text ("A. … B. …"), counted by their distinct letters.</summary>
    internal static int InlineOptionCount(string text) =>
        InlineOption().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).Count();

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:^|\s)([A-F])[\.．、:：]\s?\S")]
    private static partial System.Text.RegularExpressions.Regex InlineOption();

    private static int HighestLetter(int mask)
    {
        var highest = -1;
        for (var i = 0; i < 31; i++)
        {
            if ((mask & (1 << i)) != 0)
            {
                highest = i;
            }
        }
        return highest;
    }

    private LlmRequest GenerationRequest(Question parent, string reference, CotTrace? trace, RequestProvenance from)
    {
        var purpose = _settings is A2qSpec ? A2qPurpose : T2qPurpose;
        var messages = _prompts.Render(_generate, GenerationModel(_settings, parent, reference, trace));
        return new LlmRequest(_run.Synthesizer.Name, messages, 0, $"{_run.Run.SamplingSalt}|{purpose}", purpose, from);
    }

    /// <summary>
    /// The model of the generation prompt (<c>a2q-generate</c> for an <see cref="A2qSpec"/>, <c>t2q-mine</c> for a <see cref="T2qSpec"/>):
    /// what runs render and the prompts page previews.
    /// </summary>
    /// <param name="trace">T2Q: the verified trace mined; null for A2Q.</param>
    public static Dictionary<string, object?> GenerationModel(DerivedSettings settings, Question parent, string reference, CotTrace? trace)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(parent);
        var model = new Dictionary<string, object?>
        {
            ["question"] = parent.Text,
            ["options"] = CotSampler.OptionsModel(parent),
            ["language"] = parent.Language,
        };
        if (settings is A2qSpec a2q)
        {
            model["reference"] = reference;
            model["count"] = a2q.VariantsPerQuestion;
            model["kinds"] = string.Join(", ", a2q.Kinds is { Count: > 0 } k ? k : RejectReasons.PerturbationKinds);
        }
        else
        {
            var t2q = (T2qSpec)settings;
            model["reasoning"] = trace?.Reasoning ?? "";
            model["answer"] = trace?.Answer ?? "";
            model["points"] = t2q.PointsPerTrace;
            model["per_point"] = t2q.QuestionsPerPoint;
        }
        return model;
    }

    private async Task<(CotTrace Trace, bool FromStore)> SampleAsync(Question question, string answer, RequestProvenance from, int index, CancellationToken ct)
    {
        var profile = _run.Synthesizer;
        var request = _sampler.BuildRequest(question, _sample, profile.Name, index, $"{_run.Run.SamplingSalt}|{VerifyPurpose}", from) with { Purpose = VerifyPurpose };
        var hash = RequestHasher.Hash(profile, request);
        var result = await _gateway.CompleteAsync(profile, request, ct, hash: hash);
        var c = result.Completion;
        var trace = new CotTrace
        {
            RunId = _run.RunId, SampleIndex = index, RequestHash = hash, Status = TraceStatus.Succeeded, Reasoning = c.Reasoning, Answer = c.Content,
            PromptTokens = c.PromptTokens, CompletionTokens = c.CompletionTokens, ReasoningTokens = c.ReasoningTokens, LatencyMs = c.LatencyMs,
            FromStore = result.FromStore, CostMicros = (long)Math.Round(result.Cost * 1_000_000m),
            PromptTemplateId = _sample.Id, TemplateVersion = _sample.Version, SynthesizerName = profile.Name, Model = profile.Model,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        var outcome = await _verifier.VerifyAsync(RunExecutor.Verification(question, from, answer, c.Content, _parameters), ct);
        trace.Verdict = outcome.Result.Verdict;
        trace.ExtractedAnswer = outcome.Result.Extracted;
        trace.VerdictRule = outcome.Result.Rule;
        trace.VerdictReason = outcome.Result.Reason;
        trace.JudgePromptTemplateId = outcome.JudgePromptTemplateId;
        trace.CostMicros += (long)Math.Round(outcome.Cost * 1_000_000m);
        return (trace, result.FromStore);
    }

    private Question NewQuestion(Question parent, CotTrace? trace, Proposal p)
    {
        var options = p.Options ?? (_origin == QuestionOrigin.A2Q ? parent.Options : null);
        // A counterfactual keeps its parent's task type; a mined question is typed by the rules.
        var type = TaskTypeClassifier.Classify(p.Text!, options, p.Answer, _origin == QuestionOrigin.A2Q ? parent.TaskType : null);
        var inherited = _origin == QuestionOrigin.A2Q && parent.TaskType is not null;
        // Difficulty starts from the rules; the samples that verify the question replace it with their pass rate at completion.
        var difficulty = DifficultyEstimator.Estimate(p.Text!, options, p.Answer);
        return new Question
        {
            Origin = _origin, ParentQuestionId = parent.Id, ParentTraceId = trace?.Id, CreatedByRunId = _run.RunId,
            Text = p.Text!, ReferenceAnswer = p.Answer, Options = options is null ? null : [.. options], TaskType = type.Type,
            TaskTypeSource = inherited ? TaskTypeSource.Parent : TaskTypeSource.Rule,
            TaskTypeDetail = ClassificationPrecedence.Cut(inherited ? $"parent question {parent.Id}" : "rule: " + type.Rule),
            Difficulty = difficulty.Difficulty, DifficultySource = DifficultySource.Rule, DifficultyDetail = ClassificationPrecedence.Cut("rule: " + difficulty.Rule),
            Perturbation = _origin == QuestionOrigin.A2Q ? Describe(p) : null,
            KnowledgePoint = _origin == QuestionOrigin.T2Q ? Cut(p.KnowledgePoint, 2000) : null,
            Language = parent.Language, CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>"number: 5% → 7%", the way the lineage view shows a perturbation.</summary>
    public static string? Describe(Proposal p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.Kind is null)
        {
            return null;
        }
        return p.Before is null && p.After is null ? p.Kind : $"{p.Kind}: {p.Before ?? "…"} → {p.After ?? "…"}";
    }

    private DerivedCandidate Candidate(RunItemRef item, Question parent, CotTrace? trace, Proposal p, string hash, (long Id, int Version) template) => new()
    {
        RunId = _run.RunId, RunItemId = item.Id, Origin = _origin, ParentQuestionId = parent.Id, ParentTraceId = trace?.Id, Index = p.Index,
        Text = Cut(p.Text, 20_000), Answer = Cut(p.Answer, 4000), PerturbationKind = Cut(p.Kind, 32), PerturbationBefore = Cut(p.Before, 1000),
        PerturbationAfter = Cut(p.After, 1000), KnowledgePoint = Cut(p.KnowledgePoint, 2000), RequestHash = hash, PromptTemplateId = template.Id,
        TemplateVersion = template.Version, CreatedAt = DateTimeOffset.UtcNow,
    };

    private static string Brief(string text) => Cut(text, 2000)!;

    private static string? Cut(string? text, int max) => text is null || text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>A proposal's candidate row and, when verified, its question and the samples that verified it (traces of the new question).</summary>
    private sealed class CandidateRow(DerivedCandidate candidate, Question? question, IReadOnlyList<CotTrace> samples, string? pointKey = null) : IResultRow
    {
        public void Insert(WriteBatch batch, IReadOnlyList<long> traceIds)
        {
            if (pointKey is not null && batch.Query("SELECT \"Id\" FROM \"KnowledgePoints\" WHERE \"Key\" = $p0", pointKey) is { } point)
            {
                candidate.KnowledgePointId = Convert.ToInt64(point, CultureInfo.InvariantCulture);
                if (question is not null)
                {
                    question.KnowledgePointId = candidate.KnowledgePointId;
                }
            }
            if (question is not null)
            {
                batch.Insert(question);
                var id = batch.LastInsertRowId();
                candidate.QuestionId = id;
                foreach (var trace in samples)
                {
                    trace.QuestionId = id;
                    trace.RunItemId = candidate.RunItemId;
                    batch.Insert(trace);
                }
            }
            batch.Insert(candidate);
        }
    }

    /// <summary>
    /// A mined knowledge point: a new point, or one more trace for the point its key merges into. Runs in the writer's
    /// transaction, so two traces committing the same new point make one row; a trace is counted once however often it is stored.
    /// </summary>
    private sealed class MinedPointRow(KnowledgePoint point, long traceId) : IResultRow
    {
        public void Insert(WriteBatch batch, IReadOnlyList<long> traceIds)
        {
            batch.Insert(point, orIgnore: true);
            var id = Convert.ToInt64(batch.Query("SELECT \"Id\" FROM \"KnowledgePoints\" WHERE \"Key\" = $p0", point.Key), CultureInfo.InvariantCulture);
            var link = new KnowledgePointTrace { KnowledgePointId = id, TraceId = traceId, RunId = point.FirstRunId, Statement = point.Text, MinedAt = point.FirstSeenAt };
            if (batch.Insert(link, orIgnore: true) > 0)
            {
                batch.Execute("UPDATE \"KnowledgePoints\" SET \"Mentions\" = \"Mentions\" + 1 WHERE \"Id\" = $p0", id);
            }
        }
    }
}
