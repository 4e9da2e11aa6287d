using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.LlmSim;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Core.Tests.TestSupport;

/// <summary>
/// Core services on a real SQLite file, talking over loopback HTTP to a real simulator. Runs execute
/// in-process through <see cref="InlineRunScheduler"/> (the web app uses Hangfire for the same calls).
/// </summary>
public sealed class PipelineHarness : IAsyncDisposable
{
    private PipelineHarness(string directory, SimulatorHost simulator, ServiceProvider services, CapturedLogs logs)
    {
        Logs = logs;
        Directory = directory;
        Simulator = simulator;
        Services = services;
    }

    public string Directory { get; }

    /// <summary>Warnings and errors logged by the services, for tests that check what is (and is not) reported.</summary>
    public CapturedLogs Logs { get; } = new();
    public SimulatorHost Simulator { get; }
    public ServiceProvider Services { get; }
    public InlineRunScheduler Scheduler => Services.GetRequiredService<InlineRunScheduler>();
    public RunService Runs => Services.GetRequiredService<RunService>();
    public IDbContextFactory<DeepFinanceDbContext> Db => Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();

    public static async Task<PipelineHarness> StartAsync(SimulatorOptions? simulator = null, IDictionary<string, string?>? settings = null,
        string model = "simulator", bool streaming = false, Action<IServiceCollection>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "df-core-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var oracle = Path.Combine(directory, "oracle.jsonl");
        await File.WriteAllLinesAsync(oracle, SeedLines);
        simulator ??= new SimulatorOptions();
        simulator.OracleFile ??= oracle;
        simulator.LatencyMedianMs = simulator.LatencyMedianMs == 40 ? 0 : simulator.LatencyMedianMs;
        var sim = await SimulatorHost.StartAsync(simulator);

        var config = new Dictionary<string, string?>
        {
            ["DeepFinance:DataDirectory"] = directory,
            ["DeepFinance:Simulator:Enabled"] = "false",
            ["DeepFinance:Synthesizers:sim:BaseUrl"] = new Uri(sim.BaseUrl, "v1").ToString(),
            ["DeepFinance:Synthesizers:sim:Model"] = model,
            ["DeepFinance:Synthesizers:sim:External"] = "false",
            ["DeepFinance:Synthesizers:sim:Streaming"] = streaming ? "true" : "false",
            ["DeepFinance:Synthesizers:sim:MaxConcurrency"] = "4",
            ["DeepFinance:Synthesizers:sim:InputPricePerMillion"] = "1",
            ["DeepFinance:Synthesizers:sim:OutputPricePerMillion"] = "4",
            ["DeepFinance:Llm:BaseDelayMs"] = "20",
            ["DeepFinance:Llm:MaxDelayMs"] = "200",
            ["DeepFinance:Runs:DefaultPartitionSize"] = "3",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            config[k] = v;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(config).Build();
        var logs = new CapturedLogs();
        var collection = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddProvider(logs))
            .AddDeepFinanceCore(configuration)
            .AddSingleton<InlineRunScheduler>()
            .AddSingleton<IRunScheduler>(sp => sp.GetRequiredService<InlineRunScheduler>());
        configure?.Invoke(collection);
        var services = collection.BuildServiceProvider(validateScopes: true);
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        await services.GetRequiredService<PromptLibrary>().SeedAsync();
        await services.GetRequiredService<SynthesizerCatalog>().SyncFromConfigurationAsync();
        return new PipelineHarness(directory, sim, services, logs);
    }

    public static readonly string[] SeedLines =
    [
        """{"id":"t1","question":"某客户贷款20万元，年利率5%，单利计息，3年利息多少元？","answer":"30000","task_type":"Math"}""",
        """{"id":"t2","question":"A share bought at $30 is sold at $27. What is the percentage loss?","answer":"10%","task_type":"Math"}""",
        """{"id":"t3","question":"以下哪项属于商业银行的负债业务？A. 发放贷款 B. 吸收存款 C. 购买国债 D. 票据贴现","answer":"B","task_type":"Knowledge QA"}""",
        """{"id":"t4","question":"判断：通货膨胀上升时，固定利率债券的实际收益率会上升。","answer":"错误","task_type":"Knowledge QA"}""",
        """{"id":"t5","question":"A company earns net income of $3.6 million with 1.2 million shares. What is EPS?","answer":"$3.00","task_type":"Math"}""",
    ];

    public async Task<long> ImportSeedsAsync(string name = "seeds")
    {
        var path = Path.Combine(Directory, name + ".jsonl");
        await File.WriteAllLinesAsync(path, SeedLines);
        await using var stream = File.OpenRead(path);
        var result = await Services.GetRequiredService<SeedImporter>().ImportAsync(stream, path, name, "test");
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.SourceId!.Value;
    }

    /// <summary>Launches a run and waits until it stops moving.</summary>
    public async Task<RunProgress> RunToEndAsync(RunSpec spec, TimeSpan? timeout = null)
    {
        var id = await Runs.LaunchAsync(spec, "test");
        return await WaitAsync(id, timeout);
    }

    public async Task<RunProgress> WaitAsync(long runId, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < until)
        {
            await Scheduler.IdleAsync();
            var run = await Runs.GetAsync(runId);
            if (run!.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled)
            {
                return run;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"run {runId} did not finish");
    }

    public async ValueTask DisposeAsync()
    {
        await Scheduler.IdleAsync();
        await Services.DisposeAsync();
        await Simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Runs the executor's steps on the thread pool as they are enqueued.</summary>
public sealed class InlineRunScheduler(IServiceProvider services) : IRunScheduler
{
    private readonly List<Task> _tasks = [];
    private readonly Lock _gate = new();

    public void EnqueuePrepare(long runId) => Start(e => e.PrepareAsync(runId, CancellationToken.None));

    public void EnqueuePartition(long runId, int partition) => Start(e => e.ProcessPartitionAsync(runId, partition, CancellationToken.None));

    private void Start(Func<RunExecutor, Task> step)
    {
        var executor = services.GetRequiredService<RunExecutor>();
        lock (_gate)
        {
            _tasks.Add(Task.Run(() => step(executor)));
        }
    }

    public async Task IdleAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (_gate)
            {
                pending = _tasks.Where(t => !t.IsCompleted).ToArray();
            }
            if (pending.Length == 0)
            {
                return;
            }
            await Task.WhenAll(pending);
        }
    }
}

/// <summary>Keeps what services logged at warning level and above.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Category, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._entries.Enqueue((logLevel, category, formatter(state, exception) + (exception is null ? "" : " " + exception.Message)));
            }
        }
    }
}
