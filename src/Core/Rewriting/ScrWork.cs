using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Synthesis;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Rewriting;

/// <summary>
/// A partition of <c>scr</c> items. Per item: reflection → rewrite → verification, repeated on the latest attempt until a
/// rewrite verifies or the rounds run out. Each request carries its round in the salt, so every reflection and rewrite
/// has a hash of its own and a resumed run takes them all from the response store.
/// </summary>
public sealed class ScrWork : IPartitionWork
{
    public const string ReflectPurpose = "scr-reflect";
    public const string RewritePurpose = "scr-rewrite";

    // Hits are kept readable in the database (Chinese phrases as they are, not \u escapes).
    private static readonly JsonSerializerOptions HitsJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) };

    private readonly RunContext _run;
    private readonly ScrSpec _spec;
    private readonly LlmGateway _gateway;
    private readonly AnswerVerifier _verifier;
    private readonly PromptLibrary _prompts;
    private readonly PromptVersion _reflect;
    private readonly PromptVersion _rewrite;
    private readonly LeakScreen _screen;
    private readonly RunParameters _parameters;
    private readonly Dictionary<long, CotTrace> _traces;
    private readonly Dictionary<long, Question> _questions;
    private readonly IReadOnlyDictionary<long, RequestProvenance> _provenance;

    private ScrWork(RunContext run, ScrSpec spec, LlmGateway gateway, AnswerVerifier verifier, PromptLibrary prompts, PromptVersion reflect,
        PromptVersion rewrite, LeakScreen screen, Dictionary<long, CotTrace> traces, Dictionary<long, Question> questions,
        IReadOnlyDictionary<long, RequestProvenance> provenance)
    {
        _run = run;
        _spec = spec;
        _gateway = gateway;
        _verifier = verifier;
        _prompts = prompts;
        _reflect = reflect;
        _rewrite = rewrite;
        _screen = screen;
        _parameters = RunParameters.Of(run.Run);
        _traces = traces;
        _questions = questions;
        _provenance = provenance;
    }

    public static async Task<ScrWork> OpenAsync(RunContext run, ScrSpec spec, IReadOnlyList<RunItemRef> items,
        IDbContextFactory<DeepFinanceDbContext> dbFactory, PromptLibrary prompts, LlmGateway gateway, AnswerVerifier verifier, LeakScreen screen,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(items);
        var traces = new Dictionary<long, CotTrace>();
        Dictionary<long, Question> questions;
        IReadOnlyDictionary<long, RequestProvenance> provenance;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // The items' traces and, for a sent-back rewrite, its earlier rounds up to the first answer.
            var wanted = items.Select(i => i.SubjectId).Distinct().ToList();
            for (var depth = 0; wanted.Count > 0 && depth < 64; depth++)
            {
                var found = await db.Traces.AsNoTracking().Where(t => wanted.Contains(t.Id)).ToListAsync(ct);
                foreach (var t in found)
                {
                    traces[t.Id] = t;
                }
                wanted = [.. found.Where(t => t.Round > 0 && t.ParentTraceId is { } p && !traces.ContainsKey(p)).Select(t => t.ParentTraceId!.Value).Distinct()];
            }
            var questionIds = traces.Values.Select(t => t.QuestionId).Distinct().ToList();
            questions = await db.Questions.AsNoTracking().Where(q => questionIds.Contains(q.Id)).ToDictionaryAsync(q => q.Id, ct);
            provenance = await QuestionProvenance.OfManyAsync(db, questionIds, ct);
        }
        var reflect = await prompts.GetByIdAsync(run.Prompt(ScrRunHandler.ReflectRole), ct);
        var rewrite = await prompts.GetByIdAsync(run.Prompt(ScrRunHandler.RewriteRole), ct);
        return new ScrWork(run, spec, gateway, verifier, prompts, reflect, rewrite, screen, traces, questions, provenance);
    }

    public async Task<ItemResult> ProcessAsync(RunItemRef item, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!_traces.TryGetValue(item.SubjectId, out var start))
        {
            return ItemResult.Failed($"trace {item.SubjectId} no longer exists");
        }
        if (!_questions.TryGetValue(start.QuestionId, out var question) || question.ReferenceAnswer is not { } reference)
        {
            return ItemResult.Failed($"question {start.QuestionId} of trace {start.Id} no longer exists or has no reference answer");
        }
        var earlier = ScrReasoning.Chain(start, _traces);
        // Unknown lineage fails closed: the privacy gate treats it as raw-derived.
        var from = _provenance.GetValueOrDefault(question.Id, RequestProvenance.RawDerived);
        var profile = _run.Synthesizer;
        var produced = new List<CotTrace>();
        var parents = new List<int?>();
        var current = start;
        for (var round = start.Round + 1; round <= start.Round + _spec.MaxRounds; round++)
        {
            var trace = new CotTrace
            {
                RunId = _run.RunId, QuestionId = question.Id, SampleIndex = start.SampleIndex, Round = round,
                ParentTraceId = produced.Count == 0 ? start.Id : null, RequestHash = "",
                PromptTemplateId = _rewrite.Id, TemplateVersion = _rewrite.Version, SynthesizerName = profile.Name, Model = profile.Model,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            parents.Add(produced.Count == 0 ? null : produced.Count - 1);
            try
            {
                var reflectRequest = Request(_reflect, ReflectPurpose, round, from, ReflectModel(question, current, reference));
                trace.RequestHash = RequestHasher.Hash(profile, reflectRequest);
                var reflected = await _gateway.CompleteAsync(profile, reflectRequest, ct, hash: trace.RequestHash);
                trace.Reflection = reflected.Completion.Content.Trim();
                Add(trace, reflected);

                var thinking = ScrReasoning.Compose(earlier[0], earlier.Skip(1).Concat(produced));
                var rewriteRequest = Request(_rewrite, RewritePurpose, round, from, RewriteModel(question, thinking, trace.Reflection));
                trace.RequestHash = RequestHasher.Hash(profile, rewriteRequest);
                var rewritten = await _gateway.CompleteAsync(profile, rewriteRequest, ct, hash: trace.RequestHash);
                Add(trace, rewritten);
                trace.FromStore = reflected.FromStore && rewritten.FromStore;
                trace.Status = TraceStatus.Succeeded;
                trace.Reasoning = rewritten.Completion.Reasoning;
                trace.Answer = rewritten.Completion.Content;

                var outcome = await _verifier.VerifyAsync(RunExecutor.Verification(question, from, reference, trace.Answer, _parameters), ct);
                trace.Verdict = outcome.Result.Verdict;
                trace.ExtractedAnswer = outcome.Result.Extracted;
                trace.VerdictRule = outcome.Result.Rule;
                trace.VerdictReason = outcome.Result.Reason;
                trace.JudgePromptTemplateId = outcome.JudgePromptTemplateId;
                trace.CostMicros += (long)Math.Round(outcome.Cost * 1_000_000m);

                var hits = _screen.Screen(trace.Reflection, ScreenedPart.Reflection, reference, question.Text)
                    .Concat(_screen.Screen(ScrReasoning.Thinking(trace) + "\n" + trace.Answer, ScreenedPart.Rewrite, reference, question.Text))
                    .Distinct().ToList();
                trace.LeakHits = hits.Count == 0 ? null : JsonSerializer.Serialize(hits, HitsJson);
            }
            catch (Exception e) when (e is LlmCallException or PrivacyGateException)
            {
                trace.Status = TraceStatus.Failed;
                trace.FailureReason = e.Message;
                produced.Add(trace);
                return new ItemResult(produced, e.Message) { ParentIndexes = parents };
            }
            produced.Add(trace);
            current = trace;
            if (trace.Verdict == Verdict.Correct)
            {
                break;
            }
        }
        var result = new ItemResult(produced, null, produced.All(t => t.FromStore)) { ParentIndexes = parents };
        if (current.Verdict == Verdict.Correct && !ReferenceEquals(current, start))
        {
            var leaked = earlier.Concat(produced).Any(t => t.LeakHits is not null);
            result = result with { Rows = [new NewReview(_run.RunId, question.Id, earlier[0].Id, current.Round, leaked)] };
        }
        return result;
    }

    private LlmRequest Request(PromptVersion prompt, string purpose, int round, RequestProvenance from, Dictionary<string, object?> model)
    {
        var messages = _prompts.Render(prompt, model);
        // The round and step are part of the salt, hence of the hash: each has its own paid answer. The round also goes as
        // the sample index (sent as seed), so a round that meets the same text as the last one is still a fresh draw.
        var salt = $"{_run.Run.SamplingSalt}|{purpose}|r{round}";
        return new LlmRequest(_run.Synthesizer.Name, messages, round, salt, purpose, from);
    }

    /// <summary>The <c>scr-reflect</c> model: the latest wrong attempt and the reference (for the critic's eyes only).</summary>
    public static Dictionary<string, object?> ReflectModel(Question question, CotTrace attempt, string reference)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var model = QuestionModel(question);
        model["attempt_reasoning"] = ScrReasoning.Thinking(attempt);
        model["attempt_answer"] = (attempt.Answer ?? attempt.ExtractedAnswer ?? "").Trim();
        model["reference"] = reference;
        return model;
    }

    /// <summary>The <c>scr-rewrite</c> model: the thinking so far and this round's reflection; never the reference.</summary>
    public static Dictionary<string, object?> RewriteModel(Question question, string thinking, string? reflection)
    {
        var model = QuestionModel(question);
        model["thinking"] = thinking;
        model["reflection"] = reflection;
        return model;
    }

    private static Dictionary<string, object?> QuestionModel(Question question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return new Dictionary<string, object?>
        {
            ["question"] = question.Text,
            ["options"] = CotSampler.OptionsModel(question),
            ["language"] = question.Language,
        };
    }

    private static void Add(CotTrace trace, LlmResult result)
    {
        var c = result.Completion;
        trace.PromptTokens += c.PromptTokens;
        trace.CompletionTokens += c.CompletionTokens;
        trace.ReasoningTokens += c.ReasoningTokens;
        trace.LatencyMs += c.LatencyMs;
        trace.CostMicros += (long)Math.Round(result.Cost * 1_000_000m);
    }

    /// <summary>The pending review of a verified rewrite: the last trace of the item's result.</summary>
    private sealed class NewReview(long runId, long questionId, long originalTraceId, int rounds, bool leakFlag) : IResultRow
    {
        public void Insert(WriteBatch batch, IReadOnlyList<long> traceIds) => batch.Insert(new Data.Review
        {
            RunId = runId, QuestionId = questionId, OriginalTraceId = originalTraceId, RewriteTraceId = traceIds[^1], Rounds = rounds,
            LeakFlag = leakFlag, Status = ReviewStatus.Pending, Version = 1, RequiredReviews = 1, CreatedAt = DateTimeOffset.UtcNow,
        });
    }
}
