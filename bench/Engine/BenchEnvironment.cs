using System.Globalization;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.LlmSim;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Bench.Engine;

/// <summary>
/// One measurement's world: the simulator on Kestrel at a loopback port, a fresh SQLite data directory in a
/// temp folder, and the real Core services (as the CLI builds them) with one synthesizer "sim" pointing at
/// the simulator over HTTP.
/// </summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    public const string Synthesizer = "sim";

    private BenchEnvironment(string directory, SimulatorHost simulator, ServiceProvider services, Corpus corpus)
    {
        Directory = directory;
        Simulator = simulator;
        Services = services;
        Corpus = corpus;
    }

    public string Directory { get; }
    public SimulatorHost Simulator { get; }
    public ServiceProvider Services { get; }
    public Corpus Corpus { get; }

    /// <summary>The OpenAI-style endpoint, e.g. <c>http://127.0.0.1:41234/v1/</c>.</summary>
    public Uri Endpoint => new(Simulator.BaseUrl, "v1/");

    public static async Task<BenchEnvironment> StartAsync(double latencyMs, int concurrency, int workers)
    {
        var directory = Path.Combine(Path.GetTempPath(), "df-bench-engine-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var corpus = new Corpus();
        var oracle = Path.Combine(directory, "oracle.jsonl");
        await corpus.WriteOracleAsync(oracle);
        var simulator = await SimulatorHost.StartAsync(new SimulatorOptions
        {
            OracleFile = oracle,
            LatencyMedianMs = latencyMs,
            LatencySpread = 0, // every request takes exactly the median, so C/L is the true ideal
            MaxConcurrency = 1_000_000, // never a 429: the pipeline alone decides how many are in flight
        });

        var c = concurrency.ToString(CultureInfo.InvariantCulture);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DeepFinance:DataDirectory"] = directory,
            ["DeepFinance:Simulator:Enabled"] = "false",
            [$"DeepFinance:Synthesizers:{Synthesizer}:BaseUrl"] = new Uri(simulator.BaseUrl, "v1").ToString(),
            [$"DeepFinance:Synthesizers:{Synthesizer}:Model"] = "simulator",
            [$"DeepFinance:Synthesizers:{Synthesizer}:External"] = "false",
            [$"DeepFinance:Synthesizers:{Synthesizer}:MaxConcurrency"] = c,
            [$"DeepFinance:Synthesizers:{Synthesizer}:InputPricePerMillion"] = "1",
            [$"DeepFinance:Synthesizers:{Synthesizer}:OutputPricePerMillion"] = "4",
        }).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(b => b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning))
            .AddDeepFinanceCore(configuration)
            .AddInProcessRunScheduler(workers)
            .BuildServiceProvider();
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        await services.GetRequiredService<PromptLibrary>().SeedAsync();
        await services.GetRequiredService<SynthesizerCatalog>().SyncFromConfigurationAsync();
        return new BenchEnvironment(directory, simulator, services, corpus);
    }

    /// <summary>Imports <paramref name="count"/> corpus questions from <paramref name="offset"/> on as one seed source, through the real importer.</summary>
    public async Task<long> ImportAsync(int count, int offset = 0)
    {
        var path = Path.Combine(Directory, $"seeds-{offset}-{count}.jsonl");
        await Corpus.WriteSeedsAsync(path, count, offset);
        await using var stream = File.OpenRead(path);
        var result = await Services.GetRequiredService<SeedImporter>().ImportAsync(stream, path, $"bench-{offset}-{count}", "bench");
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{path}: import failed: {string.Join("; ", result.Errors.Take(5))}");
        }
        return result.SourceId!.Value;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Simulator.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow disk: the temp folder is left behind, nothing else.
        }
    }
}
