using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Synthesis;

/// <summary>
/// Samples a partition's (question, sample) items: one look-up of stored answers for the whole
/// partition, then per item one request (or none, when stored), verification, and a trace.
/// </summary>
public sealed class CotSamplingWork : IPartitionWork
{
    private readonly RunContext _run;
    private readonly LlmGateway _gateway;
    private readonly AnswerVerifier _verifier;
    private readonly PromptVersion _prompt;
    private readonly RunParameters _parameters;
    private readonly Dictionary<long, Question> _questions;
    private readonly Dictionary<long, (LlmRequest Request, string Hash)> _requests;
    private readonly IReadOnlyDictionary<string, LlmCompletion> _stored;

    private CotSamplingWork(RunContext run, LlmGateway gateway, AnswerVerifier verifier, PromptVersion prompt, Dictionary<long, Question> questions,
        Dictionary<long, (LlmRequest, string)> requests, IReadOnlyDictionary<string, LlmCompletion> stored)
    {
        _run = run;
        _gateway = gateway;
        _verifier = verifier;
        _prompt = prompt;
        _parameters = RunParameters.Of(run.Run);
        _questions = questions;
        _requests = requests;
        _stored = stored;
    }

    public static async Task<CotSamplingWork> OpenAsync(RunContext run, IReadOnlyList<RunItemRef> items, IDbContextFactory<DeepFinanceDbContext> dbFactory,
        PromptLibrary prompts, CotSampler sampler, LlmGateway gateway, AnswerVerifier verifier, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(items);
        var ids = items.Select(i => i.SubjectId).Distinct().ToList();
        Dictionary<long, Question> questions;
        IReadOnlyDictionary<long, RequestProvenance> provenance;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            questions = await db.Questions.AsNoTracking().Where(q => ids.Contains(q.Id)).ToDictionaryAsync(q => q.Id, ct);
            provenance = await QuestionProvenance.OfManyAsync(db, ids, ct);
        }
        var prompt = await prompts.GetByIdAsync(run.Prompt(SamplingPlanner.SampleRole), ct);
        var requests = new Dictionary<long, (LlmRequest, string)>();
        foreach (var item in items)
        {
            if (questions.TryGetValue(item.SubjectId, out var q))
            {
                // Unknown lineage fails closed: the gate treats it as raw-derived.
                var from = provenance.GetValueOrDefault(q.Id, RequestProvenance.RawDerived);
                var request = sampler.BuildRequest(q, prompt, run.Synthesizer.Name, item.Slot, run.Run.SamplingSalt, from);
                requests[item.Id] = (request, RequestHasher.Hash(run.Synthesizer, request));
            }
        }
        var stored = await gateway.FindStoredAsync(requests.Values.Select(r => r.Item2), ct);
        return new CotSamplingWork(run, gateway, verifier, prompt, questions, requests, stored);
    }

    public async Task<ItemResult> ProcessAsync(RunItemRef item, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!_questions.TryGetValue(item.SubjectId, out var question) || !_requests.TryGetValue(item.Id, out var call))
        {
            return ItemResult.Failed($"question {item.SubjectId} no longer exists");
        }
        var profile = _run.Synthesizer;
        var trace = new CotTrace
        {
            RunId = _run.RunId, QuestionId = question.Id, SampleIndex = item.Slot, RequestHash = call.Hash,
            PromptTemplateId = _prompt.Id, TemplateVersion = _prompt.Version, SynthesizerName = profile.Name, Model = profile.Model,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        try
        {
            var result = await _gateway.CompleteAsync(profile, call.Request, ct, _stored, call.Hash);
            var c = result.Completion;
            trace.Status = TraceStatus.Succeeded;
            trace.Reasoning = c.Reasoning;
            trace.Answer = c.Content;
            trace.PromptTokens = c.PromptTokens;
            trace.CompletionTokens = c.CompletionTokens;
            trace.ReasoningTokens = c.ReasoningTokens;
            trace.LatencyMs = c.LatencyMs;
            trace.FromStore = result.FromStore;
            trace.CostMicros = (long)Math.Round(result.Cost * 1_000_000m);
            if (question.ReferenceAnswer is { } reference)
            {
                var outcome = await _verifier.VerifyAsync(RunExecutor.Verification(question, call.Request.Provenance, reference, c.Content, _parameters), ct);
                var verdict = outcome.Result;
                trace.Verdict = verdict.Verdict;
                trace.ExtractedAnswer = verdict.Extracted;
                trace.VerdictRule = verdict.Rule;
                trace.VerdictReason = verdict.Reason;
                trace.JudgePromptTemplateId = outcome.JudgePromptTemplateId;
                // A judgement paid for now is part of what this trace cost.
                trace.CostMicros += (long)Math.Round(outcome.Cost * 1_000_000m);
            }
            else
            {
                // No reference: keep the committed answer for self-consistency at run completion.
                trace.ExtractedAnswer = FinalAnswerExtractor.Extract(c.Content);
            }
            return ItemResult.Succeeded(trace);
        }
        catch (Exception e) when (e is LlmCallException or PrivacyGateException)
        {
            trace.Status = TraceStatus.Failed;
            trace.FailureReason = e.Message;
            return ItemResult.Failed(e.Message, trace);
        }
    }
}
