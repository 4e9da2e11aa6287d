using DeepFinance.Core.Runs;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeepFinance.Core.Tests.Runs;

public sealed class RunProgressNotifierTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private static RunProgressNotifier Create() => new(Interval, NullLogger<RunProgressNotifier>.Instance);

    [Fact]
    public async Task A_burst_of_changes_becomes_few_calls_and_the_last_change_is_delivered()
    {
        var notifier = Create();
        var calls = 0;
        var seen = 0;
        var latest = 0;
        using var _ = notifier.Subscribe(1, () =>
        {
            Interlocked.Increment(ref calls);
            Volatile.Write(ref seen, Volatile.Read(ref latest));
            return Task.CompletedTask;
        });

        for (var i = 1; i <= 500; i++)
        {
            Volatile.Write(ref latest, i);
            notifier.RunChanged(1);
        }
        await WaitUntilAsync(() => Volatile.Read(ref seen) == 500);
        await Task.Delay(Interval * 3);

        // 500 changes inside one interval: the first is delivered at once, the rest as one trailing call.
        Assert.InRange(calls, 1, 2);
        Assert.Equal(500, seen);
    }

    [Fact]
    public async Task A_change_during_a_slow_handler_is_delivered_after_it()
    {
        var notifier = Create();
        var calls = 0;
        var release = new TaskCompletionSource();
        using var _ = notifier.Subscribe(7, async () =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await release.Task;
            }
        });

        notifier.RunChanged(7);
        await WaitUntilAsync(() => Volatile.Read(ref calls) == 1);
        notifier.RunChanged(7); // the run finishes while the page is still refreshing
        release.SetResult();

        await WaitUntilAsync(() => Volatile.Read(ref calls) == 2);
        await Task.Delay(Interval * 3);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Only_the_changed_run_is_delivered_and_a_disposed_subscription_gets_nothing_and_leaves_nothing()
    {
        var notifier = Create();
        var mine = 0;
        var other = 0;
        var subscription = notifier.Subscribe(1, () => { Interlocked.Increment(ref mine); return Task.CompletedTask; });
        using var otherSubscription = notifier.Subscribe(2, () => { Interlocked.Increment(ref other); return Task.CompletedTask; });
        Assert.Equal(1, notifier.SubscriberCount(1));

        notifier.RunChanged(1);
        await WaitUntilAsync(() => Volatile.Read(ref mine) == 1);
        Assert.Equal(0, other);

        subscription.Dispose();
        Assert.Equal(0, notifier.SubscriberCount(1));
        Assert.Equal(1, notifier.SubscriberCount(2));
        notifier.RunChanged(1);
        await Task.Delay(Interval * 2);
        Assert.Equal(1, mine);
    }

    [Fact]
    public async Task A_failing_subscriber_does_not_stop_the_others()
    {
        var notifier = Create();
        var good = 0;
        using var bad = notifier.Subscribe(3, () => throw new InvalidOperationException("page gone"));
        using var ok = notifier.Subscribe(3, () => { Interlocked.Increment(ref good); return Task.CompletedTask; });

        notifier.RunChanged(3);
        await WaitUntilAsync(() => Volatile.Read(ref good) == 1);
        await Task.Delay(Interval * 2);
        notifier.RunChanged(3);
        await WaitUntilAsync(() => Volatile.Read(ref good) == 2);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for a delivery");
            await Task.Delay(10);
        }
    }
}
