using System.Collections.Concurrent;

namespace DeepFinance.Core.Runs;

/// <summary>
/// Lets a cancel or a pause reach this process's partitions of a run at once, so not even a retry
/// starts after it. Another node's partitions learn it from their heartbeat.
/// </summary>
public sealed class RunStopSignals
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<CancellationTokenSource, byte>> _byRun = new();

    public IDisposable Register(long runId, CancellationTokenSource stop)
    {
        var set = _byRun.GetOrAdd(runId, _ => new());
        set[stop] = 0;
        return new Registration(set, stop);
    }

    public void Stop(long runId)
    {
        if (_byRun.TryGetValue(runId, out var set))
        {
            foreach (var stop in set.Keys)
            {
                try
                {
                    stop.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The partition finished meanwhile.
                }
            }
        }
    }

    private sealed class Registration(ConcurrentDictionary<CancellationTokenSource, byte> set, CancellationTokenSource stop) : IDisposable
    {
        public void Dispose() => set.TryRemove(stop, out _);
    }
}
