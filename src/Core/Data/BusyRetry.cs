namespace DeepFinance.Core.Data;

/// <summary>
/// For the engine's own bookkeeping (leases, status): when another process keeps the database busy past
/// the busy timeout, wait and try again rather than lose a lease release or a completion.
/// </summary>
public static class BusyRetry
{
    public static async Task RunAsync(Func<Task> operation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(operation);
        await RunAsync(async () =>
        {
            await operation();
            return 0;
        }, ct);
    }

    public static async Task<T> RunAsync<T>(Func<Task<T>> operation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(operation);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await operation();
            }
            catch (Exception e) when (GroupCommitWriter.IsBusy(e) && attempt < 20)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 << Math.Min(attempt, 5))), ct);
            }
        }
    }
}
