using Hangfire.Logging;

namespace DeepFinance.Web.Tests.Users;

/// <summary>
/// Hangfire keeps one static log provider, pointing at the logger factory of the last host that configured it.
/// When that host is disposed, the next host's <c>new InMemoryStorage()</c> (in AddJobs, before its own Hangfire
/// configuration runs) logs through the disposed factory and throws ObjectDisposedException. Pointing the static
/// provider at a no-op before a host starts and before it is disposed keeps hosts in one test process independent.
/// </summary>
public static class QuietHangfireLogs
{
    public static void Apply() => LogProvider.SetCurrentLogProvider(new Provider());

    private sealed class Provider : ILogProvider
    {
        public ILog GetLogger(string name) => Quiet.Instance;
    }

    private sealed class Quiet : ILog
    {
        public static readonly Quiet Instance = new();

        public bool Log(LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
