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
/// A partition of <c>extract</c>, <c>a2q</c> or <c>t2q</c> items. Per item: one generation request (a passage, the parent
/// question and its reference, or the verified reasoning) with a JSON schema as <c>response_format</c> → strict JSON →
/// each proposal checked (fields, answer the rules can check, supported by the passage, not the parent again, not a
/// duplicate) → k sampled answers that never see the proposed answer → verified when at least m agree. Verified proposals
/// become questions with their samples as traces; every proposal is stored as a candidate with its outcome.
/// An answer that is not the JSON asked for gets one repair request (the broken text and the parse error, asking for
/// valid JSON); when that answer does not parse either, the item fails with both reasons and both raw texts kept.
/// </summary>
public sealed partial class DerivedWork : IPartitionWork
{
    public const string A2qPurpose = "a2q-generate";
    public const string T2qPurpose = "t2q-mine";
    public const string ExtractPurpose = "extract-qa";
    public const string VerifyPurpose = "derived-verify";
    public const string RepairPurpose = "json-repair";
    public const string RepairRole = "repair";

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
    private readonly PromptVersion _repair;
    private readonly Dictionary<long, PassageSource> _passages;

    /// <summary>A passage with what the extract prompt shows beside it.</summary>
    private sealed record PassageSource(long Id, long DocumentId, string Text, string? Heading, string Language, string? Title, string FileName);

    private DerivedWork(RunContext run, QuestionOrigin origin, DerivedSettings settings, LlmGateway gateway, AnswerVerifier verifier, CotSampler sampler,
        PromptLibrary prompts, IDuplicateDetector detector, PromptVersion generate, PromptVersion sample, PromptVersion repair,
        Dictionary<long, Question> questions, Dictionary<long, CotTrace> traces, Dictionary<long, PassageSource> passages,
        Dictionary<long, List<string>> children, IReadOnlyDictionary<long, RequestProvenance> provenance, KnowledgePointMerger? merger)
    {
        _merger = merger;
        _repair = repair;
        _passages = passages;
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

    /// <param name="origin">A2Q: items are questions. T2Q: items are traces. Q2A (an <see cref="ExtractSpec"/>): items are passages.</param>
    public static async Task<DerivedWork> OpenAsync(RunContext run, QuestionOrigin origin, DerivedSettings settings, IReadOnlyList<RunItemRef> items,
        IDbContextFactory<DeepFinanceDbContext> dbFactory, PromptLibrary prompts, LlmGateway gateway, AnswerVerifier verifier, CotSampler sampler,
        IDuplicateDetector detector, string generateRole, CancellationToken ct, KnowledgePointMerger? merger = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(items);
        var subjects = items.Select(i => i.SubjectId).Distinct().ToList();
        var itemIds = items.Select(i => i.Id).ToList();
        Dictionary<long, CotTrace> traces = [];
        Dictionary<long, PassageSource> passages = [];
        Dictionary<long, Question> questions;
        Dictionary<long, List<string>> children;
        IReadOnlyDictionary<long, RequestProvenance> provenance;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // A retried item's earlier proposals (kept from a failed attempt) give way to the new attempt's.
            await db.DerivedCandidates.Where(c => c.RunId == run.RunId && itemIds.Contains(c.RunItemId)).ExecuteDeleteAsync(ct);
            List<long> questionIds;
            if (settings is ExtractSpec)
            {
                passages = await (from p in db.Passages.AsNoTracking()
                                  join d in db.Documents on p.DocumentId equals d.Id
                                  where subjects.Contains(p.Id)
                                  select new PassageSource(p.Id, p.DocumentId, p.Text, p.Heading, p.Language, d.Title, d.FileName)).ToDictionaryAsync(p => p.Id, ct);
                questionIds = [];
            }
            else if (origin == QuestionOrigin.T2Q)
            {
                traces = await db.Traces.AsNoTracking().Where(t => subjects.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
                questionIds = [.. traces.Values.Select(t => t.QuestionId).Distinct()];
            }
            else
            {
                questionIds = subjects;
            }
            questions = await db.Questions.AsNoTracking().Where(q => questionIds.Contains(q.Id)).ToDictionaryAsync(q => q.Id, ct);
            // Questions already derived from these parents (or drawn from these passages): a new proposal repeating one is a duplicate.
            // Passages of a document overlap, so for extract the family is the document: a pair an earlier passage gave is a duplicate.
            var documents = passages.Values.Select(p => p.DocumentId).Distinct().ToList();
            children = settings is ExtractSpec
                ? (await (from q in db.Questions.AsNoTracking()
                          join p in db.Passages on q.PassageId equals p.Id
                          where documents.Contains(p.DocumentId)
                          select new { Parent = p.DocumentId, q.Text }).ToListAsync(ct))
                    .GroupBy(x => x.Parent).ToDictionary(g => g.Key, g => g.Select(x => x.Text).ToList())
                : (await db.Questions.AsNoTracking().Where(q => q.ParentQuestionId != null && questionIds.Contains(q.ParentQuestionId.Value))
                    .Select(q => new { Parent = q.ParentQuestionId!.Value, q.Text }).ToListAsync(ct))
                    .GroupBy(x => x.Parent).ToDictionary(g => g.Key, g => g.Select(x => x.Text).ToList());
            provenance = await QuestionProvenance.OfManyAsync(db, questionIds, ct);
        }
        var generate = await prompts.GetByIdAsync(run.Prompt(generateRole), ct);
        var sample = await prompts.GetByIdAsync(run.Prompt(SamplingPlanner.SampleRole), ct);
        // Runs launched before the repair step existed carry no repair prompt: they use the current one.
        var repair = run.Prompts.TryGetValue(RepairRole, out var repairId)
            ? await prompts.GetByIdAsync(repairId, ct)
            : await prompts.GetAsync(DerivedRunHandler<A2qSpec>.RepairTemplate, null, ct);
        return new DerivedWork(run, origin, settings, gateway, verifier, sampler, prompts, detector, generate, sample, repair, questions, traces, passages,
            children, provenance, merger);
    }

    public async Task<ItemResult> ProcessAsync(RunItemRef item, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(item);
        CotTrace? sourceTrace = null;
        Question? parent = null;
        PassageSource? passage = null;
        RequestProvenance from;
        LlmRequest request;
        Func<string, IReadOnlyList<Proposal>> read;
        if (_settings is ExtractSpec)
        {
            if (!_passages.TryGetValue(item.SubjectId, out passage))
            {
                return ItemResult.Failed($"passage {item.SubjectId} no longer exists");
            }
            // Documents are imported like public seed sets: their text may go to any synthesizer.
            from = RequestProvenance.Public;
            request = ExtractRequest(passage);
            read = DerivedOutput.ReadExtract;
        }
        else
        {
            long questionId = item.SubjectId;
            if (_origin == QuestionOrigin.T2Q)
            {
                if (!_traces.TryGetValue(item.SubjectId, out sourceTrace))
                {
                    return ItemResult.Failed($"trace {item.SubjectId} no longer exists");
                }
                questionId = sourceTrace.QuestionId;
            }
            if (!_questions.TryGetValue(questionId, out parent) || parent.ReferenceAnswer is not { } reference)
            {
                return ItemResult.Failed($"question {questionId} no longer exists or has no reference answer");
            }
            // Unknown lineage fails closed: the privacy gate treats it as raw-derived.
            from = _provenance.GetValueOrDefault(parent.Id, RequestProvenance.RawDerived);
            request = GenerationRequest(parent, reference, sourceTrace, from);
            read = _origin == QuestionOrigin.A2Q ? DerivedOutput.ReadA2q : DerivedOutput.ReadT2q;
        }
        var template = (_generate.Id, _generate.Version);
        Generation generated;
        try
        {
            generated = await GenerateAsync(request, read, ct);
        }
        catch (Exception e) when (e is LlmCallException or PrivacyGateException)
        {
            return ItemResult.Failed(e.Message);
        }
        var hash = generated.Hash;
        var allFromStore = generated.FromStore;
        var empty = new Proposal(0, null, null, null, null, null, null, null, null);
        if (generated.Proposals is not { } proposals)
        {
            var reason = $"{RejectReasons.MalformedJson}: {generated.Error}";
            var row = Candidate(item, parent, sourceTrace, passage, empty, hash, template);
            row.Status = DerivedStatus.Rejected;
            row.RejectReason = RejectReasons.MalformedJson;
            row.RejectDetail = Brief(generated.Error!);
            row.RawText = Cut(generated.Content, 20_000);
            row.RepairRawText = Cut(generated.RepairContent, 20_000);
            return new ItemResult([], reason) { Rows = [new CandidateRow(row, null, [])] };
        }
        if (proposals.Count == 0)
        {
            var row = Candidate(item, parent, sourceTrace, passage, empty, hash, template);
            row.Status = DerivedStatus.Rejected;
            row.RejectReason = RejectReasons.MissingField;
            row.RejectDetail = _settings is ExtractSpec ? "the answer lists no question-answer pairs"
                : _origin == QuestionOrigin.A2Q ? "the answer lists no variants" : "the answer lists no knowledge points";
            row.RawText = Cut(generated.RepairContent ?? generated.Content, 20_000);
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
        var family = passage?.DocumentId ?? parent!.Id;
        var seen = passage is null ? new List<string>(_children.GetValueOrDefault(family) ?? []) : [];
        foreach (var proposal in proposals)
        {
            var row = Candidate(item, parent, sourceTrace, passage, proposal, hash, template);
            var pointKey = proposal.KnowledgePoint is { } kp ? pointKeys.GetValueOrDefault(kp) : null;
            (string Code, string Detail)? rejection;
            if (passage is not null)
            {
                // Passages of one document in this partition run side by side: each checks against what the others kept.
                lock (_children)
                {
                    if (!_children.TryGetValue(family, out var shared))
                    {
                        _children[family] = shared = [];
                    }
                    rejection = Check(parent, passage, proposal, shared);
                    if (rejection is null)
                    {
                        shared.Add(proposal.Text!);
                    }
                }
            }
            else
            {
                rejection = Check(parent, passage, proposal, seen);
                if (rejection is null)
                {
                    seen.Add(proposal.Text!);
                }
            }
            if (rejection is not null)
            {
                row.Status = DerivedStatus.Rejected;
                row.RejectReason = rejection.Value.Code;
                row.RejectDetail = Brief(rejection.Value.Detail);
                rows.Add(new CandidateRow(row, null, [], pointKey));
                continue;
            }
            var question = NewQuestion(parent, sourceTrace, passage, proposal);
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

    /// <summary>What a generation step produced: proposals, or why none could be read and both raw answers.</summary>
    private sealed record Generation(string Hash, string Content, string? RepairContent, IReadOnlyList<Proposal>? Proposals, string? Error, bool FromStore);

    /// <summary>
    /// The generation request, and when its answer is not the JSON asked for, one repair request: the same conversation with
    /// the broken answer and the parse error added, asking for valid JSON only. Both are ordinary paid requests, hashed and
    /// stored (an item retried later reads both from the store, never buying either twice).
    /// </summary>
    private async Task<Generation> GenerateAsync(LlmRequest request, Func<string, IReadOnlyList<Proposal>> read, CancellationToken ct)
    {
        var profile = _run.Synthesizer;
        var hash = RequestHasher.Hash(profile, request);
        var generated = await _gateway.CompleteAsync(profile, request, ct, hash: hash);
        var content = generated.Completion.Content;
        string firstError;
        try
        {
            return new Generation(hash, content, null, read(content), null, generated.FromStore);
        }
        catch (MalformedOutputException e)
        {
            firstError = e.Message;
        }
        var messages = new List<ChatMessage>(request.Messages) { new("assistant", content) };
        messages.AddRange(_prompts.Render(_repair, new Dictionary<string, object?>
        {
            ["error"] = firstError,
            ["language"] = request.Messages.Any(m => PassageChunker.LanguageOf(m.Content) == "zh") ? "zh" : "en",
        }).Where(m => m.Role != "system"));
        var repairRequest = request with { Messages = messages, SamplingSalt = $"{request.SamplingSalt}|{RepairPurpose}", Purpose = RepairPurpose };
        var repaired = await _gateway.CompleteAsync(profile, repairRequest, ct);
        var repairContent = repaired.Completion.Content;
        try
        {
            return new Generation(hash, content, repairContent, read(repairContent), null, generated.FromStore && repaired.FromStore);
        }
        catch (MalformedOutputException e)
        {
            return new Generation(hash, content, repairContent, null, $"{firstError}; the repair attempt: {e.Message}", generated.FromStore && repaired.FromStore);
        }
    }

    /// <summary>The first check a proposal fails, or null when it may go on to sampling.</summary>
    private (string Code, string Detail)? Check(Question? parent, PassageSource? passage, Proposal p, List<string> seen)
    {
        var label = $"proposal {p.Index + 1}";
        if (p.Missing is { } missing)
        {
            return (RejectReasons.MissingField, $"{label} lacks {missing}");
        }
        var text = p.Text!;
        if (parent is not null)
        {
            var verdict = _detector.Compare(parent.Text, text);
            if (verdict.IsDuplicate)
            {
                return verdict.Rule == "exact"
                    ? (RejectReasons.IdenticalToParent, $"{label} is the parent question again after normalisation")
                    : (RejectReasons.NearDuplicate, $"{label} is a near-duplicate of the parent ({verdict.Reason})");
            }
        }
        foreach (var other in seen)
        {
            if (_detector.Compare(other, text).IsDuplicate)
            {
                return (RejectReasons.Duplicate, passage is null
                    ? $"{label} repeats a question already derived from this parent: \"{Cut(other, 120)}\""
                    : $"{label} repeats a question already drawn from this document: \"{Cut(other, 120)}\"");
            }
        }
        var answer = p.Answer!;
        if (passage is not null && Unsupported(answer, passage.Text) is { } figure)
        {
            return (RejectReasons.UnsupportedAnswer, $"{label}: the answer's figure {figure} does not occur in the passage");
        }
        var options = p.Options ?? (_origin == QuestionOrigin.A2Q ? parent?.Options : null);
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

    /// <summary>
    /// A figure of the answer that the passage does not contain (thousands separators ignored), or null. A pair drawn
    /// from a passage may only state what the passage says; letters and true/false are left to the sampling.
    /// </summary>
    internal static string? Unsupported(string answer, string passage)
    {
        var text = passage.Replace(",", "", StringComparison.Ordinal).Replace("，", "", StringComparison.Ordinal);
        foreach (System.Text.RegularExpressions.Match m in Figure().Matches(answer.Replace(",", "", StringComparison.Ordinal)))
        {
            if (!text.Contains(m.Value, StringComparison.Ordinal))
            {
                return m.Value;
            }
        }
        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial System.Text.RegularExpressions.Regex Figure();

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
        return new LlmRequest(_run.Synthesizer.Name, messages, 0, $"{_run.Run.SamplingSalt}|{purpose}", purpose, from,
            JsonSchema: purpose == A2qPurpose ? OutputSchemas.A2q : OutputSchemas.T2q, CallerRepairsJson: true);
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

    /// <summary>What the extract template renders from: the run and the prompts page's preview both build it here.</summary>
    public static Dictionary<string, object?> ExtractModel(ExtractSpec spec, string passage, string? heading, string title, string language)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new Dictionary<string, object?>
        {
            ["passage"] = passage,
            ["heading"] = heading ?? "",
            ["title"] = title,
            ["language"] = language,
            ["count"] = spec.PairsPerPassage,
            ["task_types"] = string.Join(", ", TaskTypes.Names),
        };
    }

    private LlmRequest ExtractRequest(PassageSource passage)
    {
        var model = ExtractModel((ExtractSpec)_settings, passage.Text, passage.Heading, passage.Title ?? passage.FileName, passage.Language);
        var messages = _prompts.Render(_generate, model);
        return new LlmRequest(_run.Synthesizer.Name, messages, 0, $"{_run.Run.SamplingSalt}|{ExtractPurpose}", ExtractPurpose, RequestProvenance.Public,
            JsonSchema: OutputSchemas.Extract, CallerRepairsJson: true);
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

    private Question NewQuestion(Question? parent, CotTrace? trace, PassageSource? passage, Proposal p)
    {
        var options = p.Options ?? (_origin == QuestionOrigin.A2Q ? parent?.Options : null);
        // A counterfactual keeps its parent's task type; a pair from a passage keeps the type the extract model named when it
        // is one of the six; a mined question, or an unnamed type, is typed by the rules.
        var inherited = _origin == QuestionOrigin.A2Q && parent?.TaskType is not null;
        TaskType? named = passage is not null && TaskTypes.TryParse(p.Kind, out var n) ? n : null;
        var type = TaskTypeClassifier.Classify(p.Text!, options, p.Answer, inherited ? parent!.TaskType : named);
        // Difficulty starts from the rules; the samples that verify the question replace it with their pass rate at completion.
        var difficulty = DifficultyEstimator.Estimate(p.Text!, options, p.Answer);
        return new Question
        {
            Origin = _origin, ParentQuestionId = parent?.Id, ParentTraceId = trace?.Id, PassageId = passage?.Id, CreatedByRunId = _run.RunId,
            Text = p.Text!, ReferenceAnswer = p.Answer, Options = options is null ? null : [.. options], TaskType = type.Type,
            TaskTypeSource = inherited ? TaskTypeSource.Parent : named is not null ? TaskTypeSource.Classifier : TaskTypeSource.Rule,
            TaskTypeDetail = ClassificationPrecedence.Cut(inherited ? $"parent question {parent!.Id}"
                : named is not null ? $"named by the extract model · {_generate.Name} v{_generate.Version}" : "rule: " + type.Rule),
            Difficulty = difficulty.Difficulty, DifficultySource = DifficultySource.Rule, DifficultyDetail = ClassificationPrecedence.Cut("rule: " + difficulty.Rule),
            Perturbation = _origin == QuestionOrigin.A2Q ? Describe(p) : null,
            KnowledgePoint = _origin == QuestionOrigin.T2Q ? Cut(p.KnowledgePoint, 2000) : null,
            Language = parent?.Language ?? passage!.Language, CreatedAt = DateTimeOffset.UtcNow,
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

    private DerivedCandidate Candidate(RunItemRef item, Question? parent, CotTrace? trace, PassageSource? passage, Proposal p, string hash,
        (long Id, int Version) template) => new()
    {
        RunId = _run.RunId, RunItemId = item.Id, Origin = _origin, ParentQuestionId = parent?.Id, ParentTraceId = trace?.Id, PassageId = passage?.Id,
        Index = p.Index,
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
