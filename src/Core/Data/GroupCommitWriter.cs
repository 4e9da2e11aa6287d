using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Core.Data;

/// <summary>One write the <see cref="GroupCommitWriter"/> applies inside a shared transaction.</summary>
public abstract class BatchedWrite
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the write is committed; faults with the reason when it could not be.</summary>
    public Task Completion => _done.Task;

    /// <summary>Applies the write. Throwing fails this write alone (the batch is retried without it).</summary>
    protected internal abstract void Apply(DeepFinanceDbContext db, WriteBatch batch);

    internal void Succeed() => _done.TrySetResult();

    internal void Fail(Exception e) => _done.TrySetException(e);
}

/// <summary>Live run counters, added up over a batch and written with one statement per run.</summary>
public record struct RunCounterDelta(int Done, int Failed, int FromStore, int Attempts, long PromptTokens, long CompletionTokens,
    long ReasoningTokens, long CostMicros)
{
    public static RunCounterDelta operator +(RunCounterDelta a, RunCounterDelta b) => new(a.Done + b.Done, a.Failed + b.Failed,
        a.FromStore + b.FromStore, a.Attempts + b.Attempts, a.PromptTokens + b.PromptTokens, a.CompletionTokens + b.CompletionTokens,
        a.ReasoningTokens + b.ReasoningTokens, a.CostMicros + b.CostMicros);
}

public sealed class WriteBatch(DeepFinanceDbContext db, SqliteConnection connection, SqliteTransaction transaction) : IDisposable
{
    private readonly Dictionary<long, RunCounterDelta> _counters = [];
    private readonly Dictionary<(Type, bool), (SqliteRowInserter Inserter, SqliteCommand Command)> _inserts = [];
    private readonly Dictionary<string, SqliteCommand> _statements = [];

    /// <summary>Inserts a row with a statement prepared once per batch; 0 when <paramref name="orIgnore"/> skipped a duplicate key.</summary>
    public int Insert<T>(T row, bool orIgnore = false) where T : class
    {
        if (!_inserts.TryGetValue((typeof(T), orIgnore), out var insert))
        {
            var inserter = SqliteRowInserter.For<T>(db, orIgnore);
            insert = (inserter, inserter.Prepare(connection, transaction));
            _inserts[(typeof(T), orIgnore)] = insert;
        }
        return insert.Inserter.Insert(insert.Command, row);
    }

    /// <summary>The id SQLite gave the row this batch inserted last.</summary>
    public long LastInsertRowId() => Convert.ToInt64(Scalar("SELECT last_insert_rowid()"), System.Globalization.CultureInfo.InvariantCulture);

    private object? Scalar(string sql)
    {
        if (!_statements.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.Prepare();
            _statements[sql] = command;
        }
        return command.ExecuteScalar();
    }

    /// <summary>Runs a statement prepared once per batch, with positional parameters $p0, $p1, …</summary>
    public int Execute(string sql, params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!_statements.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters.Add(new SqliteParameter("$p" + i, null));
            }
            command.Prepare();
            _statements[sql] = command;
        }
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        return command.ExecuteNonQuery();
    }

    /// <summary>Runs a query prepared once per batch (positional parameters $p0, $p1, …) and returns its first value, or null.</summary>
    public object? Query(string sql, params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var key = "query:" + sql;
        if (!_statements.TryGetValue(key, out var command))
        {
            command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters.Add(new SqliteParameter("$p" + i, null));
            }
            command.Prepare();
            _statements[key] = command;
        }
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        var result = command.ExecuteScalar();
        return result is DBNull ? null : result;
    }

    public void Dispose()
    {
        foreach (var (_, command) in _inserts.Values)
        {
            command.Dispose();
        }
        foreach (var command in _statements.Values)
        {
            command.Dispose();
        }
    }

    public void Count(long runId, RunCounterDelta delta) =>
        _counters[runId] = _counters.TryGetValue(runId, out var sum) ? sum + delta : delta;

    public IReadOnlyCollection<long> TouchedRuns => _counters.Keys;

    internal void Flush(DeepFinanceDbContext db)
    {
        foreach (var (runId, d) in _counters)
        {
            db.Runs.Where(r => r.Id == runId).ExecuteUpdate(s => s
                .SetProperty(r => r.Done, r => r.Done + d.Done)
                .SetProperty(r => r.Failed, r => r.Failed + d.Failed)
                .SetProperty(r => r.FromStore, r => r.FromStore + d.FromStore)
                .SetProperty(r => r.Attempts, r => r.Attempts + d.Attempts)
                .SetProperty(r => r.PromptTokens, r => r.PromptTokens + d.PromptTokens)
                .SetProperty(r => r.CompletionTokens, r => r.CompletionTokens + d.CompletionTokens)
                .SetProperty(r => r.ReasoningTokens, r => r.ReasoningTokens + d.ReasoningTokens)
                .SetProperty(r => r.CostMicros, r => r.CostMicros + d.CostMicros));
        }
    }
}

/// <summary>Adds to a run's counters; posted without waiting (an attempt is counted where it is sent).</summary>
public sealed class CounterWrite(long runId, RunCounterDelta delta) : BatchedWrite
{
    protected internal override void Apply(DeepFinanceDbContext db, WriteBatch batch) => batch.Count(runId, delta);
}

/// <summary>
/// The process's single writer to the pipeline database. Writes queue up and are committed together,
/// one transaction for everything that arrived meanwhile, on a thread of its own: workers never collide
/// on SQLite's write lock or sleep in its busy handler, and a hot counter row is updated once per batch.
/// A busy database is waited out, never given up on: what is queued here may be an answer that was paid for.
/// </summary>
public sealed class GroupCommitWriter : IAsyncDisposable, IDisposable
{
    private const int MaxBatch = 512;
    private readonly IDbContextFactory<DeepFinanceDbContext> _dbFactory;
    private readonly ILogger<GroupCommitWriter> _logger;
    private readonly Channel<BatchedWrite> _queue = Channel.CreateUnbounded<BatchedWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lazy<Task> _loop;

    public GroupCommitWriter(IDbContextFactory<DeepFinanceDbContext> dbFactory, ILogger<GroupCommitWriter> logger)
    {
        _dbFactory = dbFactory;
        _logger = logger;
        _loop = new Lazy<Task>(() => Task.Factory.StartNew(Loop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap());
    }

    /// <summary>Raised after each commit with the runs whose counters it changed.</summary>
    public event Action<IReadOnlyCollection<long>>? Committed;

    /// <summary>Queues a write; await <see cref="BatchedWrite.Completion"/> (or the returned task) to know it is durable.</summary>
    public Task SubmitAsync(BatchedWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        _ = _loop.Value;
        if (!_queue.Writer.TryWrite(write))
        {
            write.Fail(new ObjectDisposedException(nameof(GroupCommitWriter), "the writer is shut down"));
        }
        return write.Completion;
    }

    public void Post(BatchedWrite write) => _ = SubmitAsync(write);

    private async Task Loop()
    {
        var batch = new List<BatchedWrite>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var w))
            {
                batch.Add(w);
            }
            Commit(batch);
            batch.Clear();
        }
    }

    private void Commit(List<BatchedWrite> writes)
    {
        for (var busy = 0; ; busy++)
        {
            try
            {
                var touched = CommitOnce(writes);
                foreach (var w in writes)
                {
                    w.Succeed();
                }
                if (touched.Count > 0)
                {
                    Committed?.Invoke(touched);
                }
                return;
            }
            catch (Exception e) when (IsBusy(e))
            {
                // Another process (an import from the CLI, another node) holds the lock longer than the busy timeout.
                if (busy % 10 == 0)
                {
                    _logger.LogWarning("Database busy; {Count} queued writes wait and are retried (attempt {Attempt})", writes.Count, busy + 1);
                }
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(2000, 50 << Math.Min(busy, 6))));
            }
            catch (Exception e) when (writes.Count > 1)
            {
                _logger.LogWarning(e, "A batch of {Count} writes failed; committing them one by one to isolate the cause", writes.Count);
                foreach (var w in writes)
                {
                    Commit([w]);
                }
                return;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "A write failed and was not stored: {Write}", writes[0].GetType().Name);
                writes[0].Fail(e);
                return;
            }
        }
    }

    private IReadOnlyCollection<long> CommitOnce(List<BatchedWrite> writes)
    {
        using var db = _dbFactory.CreateDbContext();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        using var tx = db.Database.BeginTransaction();
        using var batch = new WriteBatch(db, (SqliteConnection)db.Database.GetDbConnection(),
            (SqliteTransaction)tx.GetDbTransaction());
        foreach (var w in writes)
        {
            w.Apply(db, batch);
        }
        db.ChangeTracker.DetectChanges();
        db.SaveChanges();
        batch.Flush(db);
        tx.Commit();
        return batch.TouchedRuns;
    }

    public static bool IsBusy(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is SqliteException { SqliteErrorCode: 5 or 6 })
            {
                return true;
            }
        }
        return false;
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop.IsValueCreated)
        {
            await _loop.Value.ConfigureAwait(false);
        }
    }
}
