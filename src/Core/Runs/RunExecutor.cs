using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Synthesis;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Runs;

/// <summary>
/// Executes runs: prepares their items and partitions, processes one partition under a lease with a
/// heartbeat, commits each trace when it exists, and hands expired leases to other workers.
/// </summary>
public sealed class RunExecutor(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    Q2aCurator curator,
    CotSampler sampler,
    PromptLibrary prompts,
    LlmGateway gateway,
    AnswerVerifier verifier,
    QuestionStatistics statistics,
    IRunScheduler scheduler,
    IRunProgressNotifier notifier,
    IOptions<RunOptions> options,
    ILogger<RunExecutor> logger)
{
    /// <summary>Identifies this process as a lease holder.</summary>
    public static readonly string WorkerId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    public async Task PrepareAsync(long runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || run.Status is not (RunStatus.Queued or RunStatus.Running))
        {
            return;
        }
        try
        {
            if (run.PartitionCount == 0)
            {
                await CreateItemsAsync(db, run, ct);
            }
            else
            {
                await ResetForResumeAsync(db, run.Id, ct);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Run {RunId} could not be prepared", runId);
            await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Failed).SetProperty(r => r.Error, "preparation failed: " + e.Message)
                .SetProperty(r => r.FinishedAt, DateTimeOffset.UtcNow), CancellationToken.None);
            notifier.RunChanged(runId);
            return;
        }

        var now = DateTimeOffset.UtcNow;
        var started = await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running)
                .SetProperty(r => r.StartedAt, r => r.StartedAt ?? now), ct);
        if (started == 0)
        {
            return;
        }
        notifier.RunChanged(runId);
        var pending = await db.RunPartitions.Where(p => p.RunId == runId && p.Status == PartitionStatus.Pending)
            .Select(p => p.Index).ToListAsync(ct);
        foreach (var index in pending)
        {
            scheduler.EnqueuePartition(runId, index);
        }
        await TryCompleteAsync(runId, ct);
    }

    private async Task CreateItemsAsync(DeepFinanceDbContext db, Run run, CancellationToken ct)
    {
        var parameters = Parameters(run);
        if (run.Kind != RunKind.Q2a || run.SeedSourceId is not { } sourceId)
        {
            throw new InvalidOperationException($"run kind {run.Kind} is not supported by this version");
        }
        await curator.CurateAsync(sourceId, run.Id, ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.RunItems.Where(i => i.RunId == run.Id).ExecuteDeleteAsync(ct);
        await db.RunPartitions.Where(p => p.RunId == run.Id).ExecuteDeleteAsync(ct);
        var questionIds = db.Questions.AsNoTracking()
            .Where(q => q.Origin == QuestionOrigin.Q2A && db.SeedItems.Any(i => i.Id == q.SeedItemId && i.SeedSourceId == sourceId))
            .OrderBy(q => q.Id).Select(q => q.Id).AsAsyncEnumerable();
        var count = 0;
        await foreach (var questionId in questionIds.WithCancellation(ct))
        {
            db.RunItems.Add(new RunItem { RunId = run.Id, QuestionId = questionId, Partition = count / parameters.PartitionSize });
            if (++count % 1000 == 0)
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
        var partitions = (count + parameters.PartitionSize - 1) / parameters.PartitionSize;
        for (var i = 0; i < partitions; i++)
        {
            db.RunPartitions.Add(new RunPartition { RunId = run.Id, Index = i, Status = PartitionStatus.Pending });
        }
        await db.SaveChangesAsync(ct);
        await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Total, count * run.SamplesPerQuestion)
            .SetProperty(r => r.PartitionCount, partitions), ct);
        await tx.CommitAsync(ct);
        run.PartitionCount = partitions;
    }

    /// <summary>On resume, failed items are forgotten so they are tried again; answered items stay.</summary>
    private static async Task ResetForResumeAsync(DeepFinanceDbContext db, long runId, CancellationToken ct)
    {
        var failed = await db.Traces.Where(t => t.RunId == runId && t.Status == TraceStatus.Failed)
            .Select(t => new { t.QuestionId }).Distinct().ToListAsync(ct);
        await db.Traces.Where(t => t.RunId == runId && t.Status == TraceStatus.Failed).ExecuteDeleteAsync(ct);
        var done = await db.Traces.CountAsync(t => t.RunId == runId, ct);
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Done, done).SetProperty(r => r.Failed, 0), ct);
        var failedIds = failed.Select(f => f.QuestionId).ToList();
        var reopened = await db.RunItems.Where(i => i.RunId == runId && failedIds.Contains(i.QuestionId)).Select(i => i.Partition).Distinct().ToListAsync(ct);
        await db.RunPartitions.Where(p => p.RunId == runId && (reopened.Contains(p.Index) || p.Status == PartitionStatus.Pending))
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PartitionStatus.Pending).SetProperty(p => p.LeaseOwner, (string?)null)
                .SetProperty(p => p.LeaseExpiresAt, (DateTimeOffset?)null), ct);
    }

    public async Task ProcessPartitionAsync(long runId, int index, CancellationToken ct)
    {
        if (!await ClaimAsync(runId, index, ct))
        {
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = HeartbeatAsync(runId, index, stop);
        var finished = false;
        try
        {
            await ProcessItemsAsync(runId, index, stop.Token, ct);
            finished = !stop.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run was cancelled or the host is stopping; the lease is released below.
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeat;
            await ReleaseAsync(runId, index, finished);
        }
        ct.ThrowIfCancellationRequested();
        if (finished)
        {
            await TryCompleteAsync(runId, CancellationToken.None);
        }
    }

    private async Task<bool> ClaimAsync(long runId, int index, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Runs.AnyAsync(r => r.Id == runId && r.Status == RunStatus.Running, ct))
        {
            return false;
        }
        var now = DateTimeOffset.UtcNow;
        var until = now.AddSeconds(options.Value.LeaseSeconds);
        var claimed = await db.RunPartitions
            .Where(p => p.RunId == runId && p.Index == index && p.Status == PartitionStatus.Pending
                && (p.LeaseOwner == null || p.LeaseExpiresAt < now || p.LeaseOwner == WorkerId))
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseOwner, WorkerId).SetProperty(p => p.LeaseExpiresAt, until)
                .SetProperty(p => p.Attempts, p => p.Attempts + 1), ct);
        return claimed == 1;
    }

    /// <summary>Extends the lease and watches the run's status, stopping the work when it is cancelled.</summary>
    private async Task HeartbeatAsync(long runId, int index, CancellationTokenSource stop)
    {
        var lease = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
        var extendEvery = lease / 3;
        var lastExtend = DateTimeOffset.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
                var status = await db.Runs.Where(r => r.Id == runId).Select(r => r.Status).FirstAsync(CancellationToken.None);
                if (status != RunStatus.Running)
                {
                    await stop.CancelAsync();
                    return;
                }
                if (DateTimeOffset.UtcNow - lastExtend >= extendEvery)
                {
                    lastExtend = DateTimeOffset.UtcNow;
                    var kept = await db.RunPartitions.Where(p => p.RunId == runId && p.Index == index && p.LeaseOwner == WorkerId)
                        .ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseExpiresAt, lastExtend + lease), CancellationToken.None);
                    if (kept == 0)
                    {
                        // Another worker took the partition over; stop rather than work twice.
                        await stop.CancelAsync();
                        return;
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Heartbeat for run {RunId} partition {Index} failed; will retry", runId, index);
            }
        }
    }

    private async Task ReleaseAsync(long runId, int index, bool finished)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var mine = db.RunPartitions.Where(p => p.RunId == runId && p.Index == index && p.LeaseOwner == WorkerId);
        var now = DateTimeOffset.UtcNow;
        if (finished)
        {
            await mine.ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseOwner, (string?)null).SetProperty(p => p.LeaseExpiresAt, (DateTimeOffset?)null)
                .SetProperty(p => p.Status, PartitionStatus.Done).SetProperty(p => p.CompletedAt, now), CancellationToken.None);
        }
        else
        {
            await mine.ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseOwner, (string?)null).SetProperty(p => p.LeaseExpiresAt, (DateTimeOffset?)null),
                CancellationToken.None);
        }
    }

    /// <summary>
    /// <paramref name="stop"/> (run cancelled) stops new requests but lets those in flight finish and be
    /// stored: the provider bills them either way. Only <paramref name="ct"/> (host stopping) aborts them.
    /// </summary>
    private async Task ProcessItemsAsync(long runId, int index, CancellationToken stop, CancellationToken ct)
    {
        Run run;
        List<Question> questions;
        HashSet<(long, int)> answered;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runId, ct);
            questions = await db.RunItems.Where(i => i.RunId == runId && i.Partition == index)
                .Join(db.Questions, i => i.QuestionId, q => q.Id, (i, q) => q).AsNoTracking().ToListAsync(ct);
            var ids = questions.Select(q => q.Id).ToList();
            answered = (await db.Traces.Where(t => t.RunId == runId && ids.Contains(t.QuestionId))
                .Select(t => new { t.QuestionId, t.SampleIndex }).ToListAsync(ct))
                .Select(t => (t.QuestionId, t.SampleIndex)).ToHashSet();
        }
        var profile = await gateway.ProfileAsync(run.SynthesizerName, ct);
        profile = profile with { InputPricePerMillion = run.InputPricePerMillion, OutputPricePerMillion = run.OutputPricePerMillion };
        var prompt = await prompts.GetByIdAsync(run.PromptTemplateId, ct);
        var parameters = Parameters(run);
        var work = questions.SelectMany(q => Enumerable.Range(0, run.SamplesPerQuestion).Select(s => (Question: q, Sample: s)))
            .Where(w => !answered.Contains((w.Question.Id, w.Sample)));
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = profile.MaxConcurrency, CancellationToken = ct },
            async (item, token) =>
            {
                if (!stop.IsCancellationRequested)
                {
                    await SampleAsync(run, profile, prompt, parameters, item.Question, item.Sample, token);
                }
            });
    }

    private async Task SampleAsync(Run run, SynthesizerProfile profile, PromptVersion prompt, RunParameters parameters,
        Question question, int sample, CancellationToken ct)
    {
        var request = sampler.BuildRequest(question, prompt, profile.Name, sample, run.SamplingSalt);
        var trace = new CotTrace
        {
            RunId = run.Id, QuestionId = question.Id, SampleIndex = sample, RequestHash = RequestHasher.Hash(profile, request),
            PromptTemplateId = prompt.Id, TemplateVersion = prompt.Version, SynthesizerName = profile.Name, Model = profile.Model,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        var attempts = 0;
        try
        {
            var result = await gateway.CompleteAsync(profile, request, ct);
            var c = result.Completion;
            attempts = result.Attempts;
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
                var outcome = await verifier.VerifyAsync(Verification(question, reference, c.Content, parameters), ct);
                var verdict = outcome.Result;
                trace.Verdict = verdict.Verdict;
                trace.ExtractedAnswer = verdict.Extracted;
                trace.VerdictRule = verdict.Rule;
                trace.VerdictReason = verdict.Reason;
                trace.JudgePromptTemplateId = outcome.JudgePromptTemplateId;
                // A judgement paid for now is part of what this trace cost.
                trace.CostMicros += (long)Math.Round(outcome.Cost * 1_000_000m);
                attempts += outcome.Attempts;
            }
            else
            {
                // No reference: keep the committed answer for self-consistency at run completion.
                trace.ExtractedAnswer = FinalAnswerExtractor.Extract(c.Content);
            }
        }
        catch (LlmCallException e)
        {
            attempts = e.Attempts;
            trace.Status = TraceStatus.Failed;
            trace.FailureReason = e.Message;
        }
        catch (PrivacyGateException e)
        {
            trace.Status = TraceStatus.Failed;
            trace.FailureReason = e.Message;
        }
        await CommitAsync(trace, attempts);
    }

    /// <summary>Stores the trace and adds it to the run's live counters, together.</summary>
    private async Task CommitAsync(CotTrace trace, int attempts)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await using var tx = await db.Database.BeginTransactionAsync(CancellationToken.None);
        db.Traces.Add(trace);
        try
        {
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException)
        {
            // Another worker committed this item first (a lease taken over); do not count it twice.
            return;
        }
        var ok = trace.Status == TraceStatus.Succeeded ? 1 : 0;
        var paid = trace.FromStore ? 0 : 1;
        await db.Runs.Where(r => r.Id == trace.RunId).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Done, r => r.Done + ok)
            .SetProperty(r => r.Failed, r => r.Failed + (1 - ok))
            .SetProperty(r => r.FromStore, r => r.FromStore + (trace.FromStore ? 1 : 0))
            .SetProperty(r => r.Attempts, r => r.Attempts + attempts)
            .SetProperty(r => r.PromptTokens, r => r.PromptTokens + trace.PromptTokens * paid)
            .SetProperty(r => r.CompletionTokens, r => r.CompletionTokens + trace.CompletionTokens * paid)
            .SetProperty(r => r.ReasoningTokens, r => r.ReasoningTokens + trace.ReasoningTokens * paid)
            .SetProperty(r => r.CostMicros, r => r.CostMicros + trace.CostMicros), CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        notifier.RunChanged(trace.RunId);
    }

    private async Task TryCompleteAsync(long runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.RunPartitions.AnyAsync(p => p.RunId == runId && p.Status == PartitionStatus.Pending, ct))
        {
            return;
        }
        var completed = await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Completed).SetProperty(r => r.FinishedAt, DateTimeOffset.UtcNow), ct);
        if (completed == 1)
        {
            await statistics.UpdateForRunAsync(runId, ct);
            notifier.RunChanged(runId);
            logger.LogInformation("Run {RunId} completed", runId);
        }
    }

    /// <summary>Hands partitions whose worker stopped heartbeating to another worker.</summary>
    public async Task<int> ReapExpiredLeasesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = DateTimeOffset.UtcNow;
        var expired = await db.RunPartitions
            .Where(p => p.Status == PartitionStatus.Pending && p.LeaseOwner != null && p.LeaseExpiresAt < now
                && db.Runs.Any(r => r.Id == p.RunId && r.Status == RunStatus.Running))
            .Select(p => new { p.Id, p.RunId, p.Index }).ToListAsync(ct);
        foreach (var p in expired)
        {
            var released = await db.RunPartitions.Where(x => x.Id == p.Id && x.LeaseExpiresAt < now)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LeaseOwner, (string?)null).SetProperty(x => x.LeaseExpiresAt, (DateTimeOffset?)null), ct);
            if (released == 1)
            {
                logger.LogWarning("Lease on run {RunId} partition {Index} expired; handing it to another worker", p.RunId, p.Index);
                scheduler.EnqueuePartition(p.RunId, p.Index);
            }
        }
        return expired.Count;
    }

    /// <summary>At start-up: queued runs are prepared, and unleased partitions of running runs are enqueued again.</summary>
    public async Task RecoverAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var runId in await db.Runs.Where(r => r.Status == RunStatus.Queued).Select(r => r.Id).ToListAsync(ct))
        {
            scheduler.EnqueuePrepare(runId);
        }
        var orphans = await db.RunPartitions
            .Where(p => p.Status == PartitionStatus.Pending && p.LeaseOwner == null && db.Runs.Any(r => r.Id == p.RunId && r.Status == RunStatus.Running))
            .Select(p => new { p.RunId, p.Index }).ToListAsync(ct);
        foreach (var p in orphans)
        {
            scheduler.EnqueuePartition(p.RunId, p.Index);
        }
    }

    /// <summary>What the run path verifies for one answer; re-verification and the CLI build the same request.</summary>
    public static VerificationRequest Verification(Question question, string reference, string response, RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(parameters);
        return new VerificationRequest(new VerificationInput(reference, response, question.Text, question.Options), parameters.Tolerances,
            parameters.Judge, question.Origin == QuestionOrigin.RealWorld, parameters.JudgePromptTemplateId);
    }

    internal static RunParameters Parameters(Run run) =>
        JsonSerializer.Deserialize<RunParameters>(run.ParametersJson) ?? throw new InvalidOperationException($"run {run.Id} has no parameters");
}
