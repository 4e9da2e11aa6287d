using System.Collections.Concurrent;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Verification;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Runs;

/// <summary>
/// The run engine. It knows no kind: a run's handler creates its items and processes each one; the
/// engine splits items into partitions, holds each partition through a lease with a heartbeat, runs
/// its items with bounded concurrency, commits every result through the single writer as it comes,
/// counts progress, pauses a run whose synthesizer stops answering, and completes the run.
/// </summary>
public sealed class RunExecutor(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    RunKindRegistry kinds,
    SynthesizerCatalog catalog,
    GroupCommitWriter writer,
    IRunScheduler scheduler,
    NodeIdentity node,
    RunStopSignals stopSignals,
    IRunProgressNotifier notifier,
    IOptions<RunOptions> options,
    ILogger<RunExecutor> logger)
{
    private readonly ConcurrentDictionary<(long, int), Task> _active = new();
    // Pauses are taken one at a time, so an item whose call failed just after another item paused the run
    // sees that stop and cannot pause the run again once an operator has resumed it.
    private readonly SemaphoreSlim _pausing = new(1, 1);

    /// <summary>This node's name as a lease holder.</summary>
    public string WorkerId => node.Id;

    public async Task PrepareAsync(long runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || run.Status is not (RunStatus.Queued or RunStatus.Running))
        {
            return;
        }
        try
        {
            if (run.PartitionCount == 0)
            {
                var context = await ContextAsync(run, ct);
                await CreateItemsAsync(db, context, ct);
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

    /// <summary>Streams the handler's items into the table in one transaction, a partition every so many.</summary>
    private async Task CreateItemsAsync(DeepFinanceDbContext db, RunContext context, CancellationToken ct)
    {
        var run = context.Run;
        var partitionSize = RunParameters.Of(run).PartitionSize;
        var handler = kinds.Get(run.Kind);
        // The first step runs before the transaction opens: a handler may write as it starts (Q2A curates
        // questions), and would wait on our write lock. After that, items stream in; nothing is held in memory.
        await using var items = handler.CreateItemsAsync(context, ct).GetAsyncEnumerator(ct);
        var any = await items.MoveNextAsync();

        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.RunItems.Where(i => i.RunId == run.Id).ExecuteDeleteAsync(ct);
        await db.RunPartitions.Where(p => p.RunId == run.Id).ExecuteDeleteAsync(ct);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var count = 0;
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = (SqliteTransaction)tx.GetDbTransaction();
            insert.CommandText = "INSERT INTO RunItems (RunId, Key, SubjectId, Slot, Partition, Status) VALUES ($run, $key, $subject, $slot, $partition, $status)";
            var pRun = insert.Parameters.Add("$run", SqliteType.Integer);
            var pKey = insert.Parameters.Add("$key", SqliteType.Text);
            var pSubject = insert.Parameters.Add("$subject", SqliteType.Integer);
            var pSlot = insert.Parameters.Add("$slot", SqliteType.Integer);
            var pPartition = insert.Parameters.Add("$partition", SqliteType.Integer);
            insert.Parameters.AddWithValue("$status", nameof(RunItemStatus.Pending));
            pRun.Value = run.Id;
            insert.Prepare();
            for (; any; any = await items.MoveNextAsync())
            {
                var seed = items.Current;
                pKey.Value = seed.Key;
                pSubject.Value = seed.SubjectId;
                pSlot.Value = seed.Slot;
                pPartition.Value = count / partitionSize;
                try
                {
                    await insert.ExecuteNonQueryAsync(ct);
                }
                catch (SqliteException e) when (e.SqliteErrorCode == 19)
                {
                    throw new InvalidOperationException($"kind '{run.Kind}' created the item key '{seed.Key}' twice", e);
                }
                count++;
            }
        }
        var partitions = (count + partitionSize - 1) / partitionSize;
        for (var i = 0; i < partitions; i++)
        {
            db.RunPartitions.Add(new RunPartition { RunId = run.Id, Index = i, Status = PartitionStatus.Pending });
        }
        await db.SaveChangesAsync(ct);
        await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Total, count)
            .SetProperty(r => r.PartitionCount, partitions), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>On resume, failed and pending items are taken up again (failed results dropped); done items stay.</summary>
    private static async Task ResetForResumeAsync(DeepFinanceDbContext db, long runId, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var failed = db.RunItems.Where(i => i.RunId == runId && i.Status == RunItemStatus.Failed);
        await db.Traces.Where(t => t.RunId == runId && failed.Any(i => i.Id == t.RunItemId)).ExecuteDeleteAsync(ct);
        // A partition is open again while any of its items is: failed ones about to be retried, or pending ones left by a stop.
        var reopened = await db.RunItems.Where(i => i.RunId == runId && i.Status != RunItemStatus.Done)
            .Select(i => i.Partition).Distinct().ToListAsync(ct);
        await failed.ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Pending).SetProperty(i => i.Error, (string?)null), ct);
        var done = await db.RunItems.CountAsync(i => i.RunId == runId && i.Status == RunItemStatus.Done, ct);
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Done, done).SetProperty(r => r.Failed, 0), ct);
        await db.RunPartitions.Where(p => p.RunId == runId && (reopened.Contains(p.Index) || p.Status == PartitionStatus.Pending))
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PartitionStatus.Pending).SetProperty(p => p.LeaseOwner, (string?)null)
                .SetProperty(p => p.LeaseExpiresAt, (DateTimeOffset?)null), ct);
        await tx.CommitAsync(ct);
    }

    public async Task ProcessPartitionAsync(long runId, int index, CancellationToken ct)
    {
        // One task per partition in this process: a resume, the reaper or recovery may enqueue a partition
        // whose previous task is still winding down; the new one waits for it, then claims afresh.
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!_active.TryAdd((runId, index), mine.Task))
        {
            if (_active.TryGetValue((runId, index), out var previous))
            {
                await previous.WaitAsync(ct);
            }
        }
        try
        {
            await ProcessClaimedPartitionAsync(runId, index, ct);
        }
        finally
        {
            _active.TryRemove((runId, index), out _);
            mine.SetResult();
        }
    }

    private async Task ProcessClaimedPartitionAsync(long runId, int index, CancellationToken ct)
    {
        if (!await BusyRetry.RunAsync(() => ClaimAsync(runId, index, ct), ct))
        {
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A cancel or pause in this process stops new attempts at once; the heartbeat catches one made elsewhere.
        using var signal = stopSignals.Register(runId, stop);
        var heartbeat = HeartbeatAsync(runId, index, stop);
        var finished = false;
        try
        {
            finished = await ProcessItemsAsync(runId, index, stop, ct);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run was stopped or the host is stopping; the lease is released below.
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeat;
            await BusyRetry.RunAsync(() => ReleaseAsync(runId, index, finished), CancellationToken.None);
        }
        ct.ThrowIfCancellationRequested();
        if (finished)
        {
            await BusyRetry.RunAsync(() => TryCompleteAsync(runId, CancellationToken.None), CancellationToken.None);
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
        var me = node.Id;
        var claimed = await db.RunPartitions
            .Where(p => p.RunId == runId && p.Index == index && p.Status == PartitionStatus.Pending
                && (p.LeaseOwner == null || p.LeaseExpiresAt < now || p.LeaseOwner == me))
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseOwner, me).SetProperty(p => p.LeaseExpiresAt, until)
                .SetProperty(p => p.Attempts, p => p.Attempts + 1), ct);
        return claimed == 1;
    }

    /// <summary>Extends the lease and watches the run's status, stopping new work when it is no longer running.</summary>
    private async Task HeartbeatAsync(long runId, int index, CancellationTokenSource stop)
    {
        var lease = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
        var extendEvery = lease / 3;
        var lastExtend = DateTimeOffset.UtcNow;
        var me = node.Id;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), stop.Token);
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
                    var kept = await db.RunPartitions.Where(p => p.RunId == runId && p.Index == index && p.LeaseOwner == me)
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
        var me = node.Id;
        var mine = db.RunPartitions.Where(p => p.RunId == runId && p.Index == index && p.LeaseOwner == me);
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
    /// <paramref name="stop"/> (run stopped) starts no new request, retries included, but lets those in
    /// flight finish and be stored: the provider bills them either way. Only <paramref name="ct"/> (host
    /// stopping) aborts them. True when every item of the partition has an outcome.
    /// </summary>
    private async Task<bool> ProcessItemsAsync(long runId, int index, CancellationTokenSource stop, CancellationToken ct)
    {
        Run run;
        List<RunItemRef> items;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runId, ct);
            items = await db.RunItems.AsNoTracking()
                .Where(i => i.RunId == runId && i.Partition == index && i.Status == RunItemStatus.Pending)
                .OrderBy(i => i.Id)
                .Select(i => new RunItemRef(i.Id, i.Key, i.SubjectId, i.Slot)).ToListAsync(ct);
        }
        if (items.Count == 0)
        {
            return true;
        }
        var context = await ContextAsync(run, ct);
        var work = await kinds.Get(run.Kind).OpenPartitionAsync(context, items, ct);
        var unfinished = 0;
        // Items beyond the synthesizer's limit wait in its limiter, so the endpoint never idles between items.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, context.Synthesizer.MaxConcurrency), CancellationToken = ct };
        await Parallel.ForEachAsync(items, parallel, async (item, token) =>
        {
            if (stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref unfinished);
                return;
            }
            if (!await ProcessItemAsync(run, work, item, stop, token))
            {
                Interlocked.Increment(ref unfinished);
            }
        });
        return unfinished == 0 && !stop.IsCancellationRequested;
    }

    /// <summary>Processes and commits one item; false when it was left pending (run stopped, endpoint down).</summary>
    private async Task<bool> ProcessItemAsync(Run run, IPartitionWork work, RunItemRef item, CancellationTokenSource stop, CancellationToken ct)
    {
        ItemResult result;
        using (LlmCallScope.Begin(run.Id, stop.Token))
        {
            try
            {
                result = await work.ProcessAsync(item, ct);
            }
            catch (CallStoppedException)
            {
                return false;
            }
            catch (EndpointUnavailableException e)
            {
                await _pausing.WaitAsync(CancellationToken.None);
                try
                {
                    if (!stop.IsCancellationRequested)
                    {
                        await BusyRetry.RunAsync(() => PauseAsync(run.Id, e.Message), CancellationToken.None);
                    }
                }
                finally
                {
                    _pausing.Release();
                }
                await stop.CancelAsync();
                return false;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                // A broken answer or a handler bug fails this item with its reason; the run goes on.
                logger.LogWarning(e, "Run {RunId} item {Key} failed", run.Id, item.Key);
                result = ItemResult.Failed(Brief(e.Message));
            }
        }
        try
        {
            await writer.SubmitAsync(new CommitItemWrite(run.Id, item.Id, result));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not a race (the status guard makes a second commit a no-op): the result could not be stored. Say so on the item.
            logger.LogError(e, "Run {RunId} item {Key}: the result could not be stored", run.Id, item.Key);
            await writer.SubmitAsync(new CommitItemWrite(run.Id, item.Id, ItemResult.Failed("the result could not be stored: " + Brief(e.Message))));
        }
        return true;
    }

    /// <summary>A running run whose synthesizer stopped answering waits, with the reason, for an operator to resume it.</summary>
    private async Task PauseAsync(long runId, string reason)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var paused = await db.Runs.Where(r => r.Id == runId && RunStateRules.Pausable.Contains(r.Status))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Paused).SetProperty(r => r.Error, Brief(reason)), CancellationToken.None);
        if (paused == 1)
        {
            stopSignals.Stop(runId);
            notifier.RunChanged(runId);
            logger.LogWarning("Run {RunId} paused: {Reason}", runId, reason);
        }
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
            notifier.RunChanged(runId);
            var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == runId, ct);
            try
            {
                await kinds.Get(run.Kind).CompletedAsync(await ContextAsync(run, ct), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Run {RunId} completed, but its kind's completion step failed", runId);
            }
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

    /// <summary>
    /// At start-up: queued runs are prepared; partitions of running runs that nobody holds, or that this
    /// node held before it was killed, are taken up again at once.
    /// </summary>
    public async Task RecoverAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var runId in await db.Runs.Where(r => r.Status == RunStatus.Queued).Select(r => r.Id).ToListAsync(ct))
        {
            scheduler.EnqueuePrepare(runId);
        }
        var me = node.Id;
        var running = db.Runs.Where(r => r.Status == RunStatus.Running);
        var taken = await db.RunPartitions.Where(p => p.Status == PartitionStatus.Pending && p.LeaseOwner == me && running.Any(r => r.Id == p.RunId))
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseOwner, (string?)null).SetProperty(p => p.LeaseExpiresAt, (DateTimeOffset?)null), ct);
        if (taken > 0)
        {
            logger.LogInformation("Took back {Count} partitions this node held before it stopped", taken);
        }
        var orphans = await db.RunPartitions
            .Where(p => p.Status == PartitionStatus.Pending && p.LeaseOwner == null && running.Any(r => r.Id == p.RunId))
            .Select(p => new { p.RunId, p.Index }).ToListAsync(ct);
        foreach (var p in orphans)
        {
            scheduler.EnqueuePartition(p.RunId, p.Index);
        }
    }

    /// <summary>The run as its handler sees it: spec, prompts by role, and the synthesizer at the prices copied at launch.</summary>
    private async Task<RunContext> ContextAsync(Run run, CancellationToken ct)
    {
        var profile = await catalog.FindAsync(run.SynthesizerName, ct)
            ?? throw new InvalidOperationException($"synthesizer '{run.SynthesizerName}' no longer exists");
        profile = profile with { InputPricePerMillion = run.InputPricePerMillion, OutputPricePerMillion = run.OutputPricePerMillion };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var prompts = await db.RunPrompts.AsNoTracking().Where(p => p.RunId == run.Id).ToDictionaryAsync(p => p.Role, p => p.PromptTemplateId, ct);
        using var spec = JsonDocument.Parse(string.IsNullOrWhiteSpace(run.SpecJson) ? "{}" : run.SpecJson);
        return new RunContext(run, spec.RootElement.Clone(), prompts, profile);
    }

    /// <summary>What the run path verifies for one answer; re-verification and the CLI build the same request.</summary>
    public static VerificationRequest Verification(Question question, RequestProvenance provenance, string reference, string response,
        RunParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(parameters);
        return new VerificationRequest(VerificationInput(question, reference, response), parameters.Tolerances,
            provenance, parameters.Judge, parameters.JudgePromptTemplateId);
    }

    /// <summary>What is verified of one answer (and what a judge is shown): the question, its options, the reference, the response.</summary>
    public static VerificationInput VerificationInput(Question question, string reference, string response)
    {
        ArgumentNullException.ThrowIfNull(question);
        return new VerificationInput(reference, response, question.Text, question.Options);
    }

    private static string Brief(string message) => message.Length > 1000 ? message[..1000] + "…" : message;
}

/// <summary>
/// Stores one item's results and moves it out of pending, in one commit. The status guard is the only
/// "already committed" signal: a second worker's commit for the same item (a lease taken over) changes nothing.
/// </summary>
internal sealed class CommitItemWrite(long runId, long itemId, ItemResult result) : BatchedWrite
{
    protected internal override void Apply(DeepFinanceDbContext db, WriteBatch batch)
    {
        var failed = result.Failure is not null;
        var moved = batch.Execute("UPDATE \"RunItems\" SET \"Status\" = $p0, \"Error\" = $p1 WHERE \"Id\" = $p2 AND \"Status\" = $p3",
            (failed ? RunItemStatus.Failed : RunItemStatus.Done).ToString(), result.Failure, itemId, nameof(RunItemStatus.Pending));
        if (moved == 0)
        {
            return;
        }
        // Ids are read back only when something in this result refers to them.
        var linked = result.ParentIndexes is { Count: > 0 } || result.Rows is { Count: > 0 };
        var ids = new List<long>(result.Traces.Count);
        for (var i = 0; i < result.Traces.Count; i++)
        {
            var trace = result.Traces[i];
            trace.RunItemId = itemId;
            if (result.ParentIndexes is { } parents && i < parents.Count && parents[i] is { } p)
            {
                if (p < 0 || p >= i)
                {
                    throw new InvalidOperationException($"trace {i} of item {itemId} names trace {p} as its parent; only an earlier trace can be");
                }
                trace.ParentTraceId = ids[p];
            }
            batch.Insert(trace);
            if (linked)
            {
                ids.Add(batch.LastInsertRowId());
            }
        }
        foreach (var row in result.Rows ?? [])
        {
            row.Insert(batch, ids);
        }
        batch.Count(runId, new RunCounterDelta { Done = failed ? 0 : 1, Failed = failed ? 1 : 0, FromStore = result.FromStore ? 1 : 0 });
    }
}
