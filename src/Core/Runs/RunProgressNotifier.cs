using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeepFinance.Core.Runs;

/// <summary>
/// Tells open pages in this process that a run changed, so they re-read it instead of polling the database.
/// Changes made by another process (a second node, the CLI) are not seen here; pages keep a slow refresh for those.
/// </summary>
public interface IRunProgressNotifier
{
    /// <summary>Called by whoever changed run <paramref name="runId"/> (progress, status, verdicts). Cheap and never blocks.</summary>
    void RunChanged(long runId);

    /// <summary>
    /// Calls <paramref name="onChange"/> after changes to run <paramref name="runId"/>. Bursts are coalesced to at most one
    /// call per interval per subscriber, and the last change of a burst is always delivered. Dispose to stop.
    /// </summary>
    IDisposable Subscribe(long runId, Func<Task> onChange);
}

public sealed class RunProgressNotifier(TimeSpan minInterval, ILogger<RunProgressNotifier> logger) : IRunProgressNotifier
{
    /// <summary>At most four updates a second per page: enough to look live, little enough to stay cheap at full speed.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<long, Subscription[]> _subscriptions = new();

    public RunProgressNotifier(ILogger<RunProgressNotifier> logger) : this(DefaultInterval, logger)
    {
    }

    public RunProgressNotifier() : this(DefaultInterval, NullLogger<RunProgressNotifier>.Instance)
    {
    }

    /// <summary>Live subscriptions for a run; a page that went away leaves none behind.</summary>
    public int SubscriberCount(long runId) => _subscriptions.TryGetValue(runId, out var subs) ? subs.Length : 0;

    public void RunChanged(long runId)
    {
        if (_subscriptions.TryGetValue(runId, out var subs))
        {
            foreach (var s in subs)
            {
                s.Signal();
            }
        }
    }

    public IDisposable Subscribe(long runId, Func<Task> onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        var subscription = new Subscription(this, runId, onChange);
        _subscriptions.AddOrUpdate(runId, _ => [subscription], (_, subs) => [.. subs, subscription]);
        return subscription;
    }

    private void Remove(Subscription subscription)
    {
        while (_subscriptions.TryGetValue(subscription.RunId, out var subs))
        {
            var rest = subs.Where(s => s != subscription).ToArray();
            var done = rest.Length == 0
                ? _subscriptions.TryRemove(new KeyValuePair<long, Subscription[]>(subscription.RunId, subs))
                : _subscriptions.TryUpdate(subscription.RunId, rest, subs);
            if (done)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One subscriber's pump: a signal marks it dirty; one delivery loop at a time runs, waiting out the interval
    /// since the last delivery, so a burst becomes one call and a change during a call leads to one more call.
    /// </summary>
    private sealed class Subscription(RunProgressNotifier owner, long runId, Func<Task> onChange) : IDisposable
    {
        private readonly Lock _gate = new();
        private bool _dirty;
        private bool _pumping;
        private bool _disposed;
        private long _lastDelivery = long.MinValue;

        public long RunId { get; } = runId;

        public void Signal()
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }
                _dirty = true;
                if (_pumping)
                {
                    return;
                }
                _pumping = true;
            }
            _ = Task.Run(PumpAsync);
        }

        private async Task PumpAsync()
        {
            while (true)
            {
                var sinceLast = _lastDelivery == long.MinValue ? TimeSpan.MaxValue : TimeSpan.FromTicks(Environment.TickCount64 * TimeSpan.TicksPerMillisecond - _lastDelivery);
                if (sinceLast < owner._interval)
                {
                    await Task.Delay(owner._interval - sinceLast);
                }
                lock (_gate)
                {
                    if (_disposed || !_dirty)
                    {
                        _pumping = false;
                        return;
                    }
                    _dirty = false;
                }
                _lastDelivery = Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
                try
                {
                    await onChange();
                }
                catch (Exception e)
                {
                    // A page that fails to refresh must not stop deliveries to the others, nor crash the notifier.
                    owner._logger.LogWarning(e, "A subscriber to run {RunId} failed to handle a change", RunId);
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }
                _disposed = true;
            }
            owner.Remove(this);
        }
    }

    private readonly TimeSpan _interval = minInterval > TimeSpan.Zero
        ? minInterval
        : throw new ArgumentOutOfRangeException(nameof(minInterval), minInterval, "The coalescing interval must be positive.");

    private readonly ILogger _logger = logger;
}
