using System.Diagnostics;
using System.Globalization;
using DeepFinance.Core.Data;
using DeepFinance.Core.Release.Export;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Export of a large release: N traces written by SQL (realistic lengths), frozen into a Ready release, exported in chat
// JSONL and Parquet; time, file size and peak working set during each export. See bench/README.md, section "Export".
// usage: dotnet run -c Release --project bench/Export -- [--n N[,N…]] [--formats chat,parquet] [--keep]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var sizes = new List<int> { 30_000, 300_000 };
var formats = new List<string> { "chat", "parquet" };
var keep = false;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value");
    switch (args[i])
    {
        case "--n":
            sizes = Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
            break;
        case "--formats":
            formats = Value().Split(',').ToList();
            break;
        case "--keep":
            keep = true;
            break;
        default:
            Console.Error.WriteLine($"error: unknown option '{args[i]}'");
            return 2;
    }
}

Console.WriteLine($"{Environment.ProcessorCount} CPUs, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}, " +
    $"load average {LoadAverage()}");
var results = new List<(int N, string Format, double Seconds, long Bytes, long PeakWs, long BaseWs, long Allocated)>();
foreach (var n in sizes)
{
    var dir = Path.Combine(Path.GetTempPath(), "df-bench-export-" + Guid.NewGuid().ToString("N")[..8]);
    Directory.CreateDirectory(dir);
    try
    {
        await using var services = await OpenAsync(dir);
        var seed = Stopwatch.StartNew();
        var releaseId = await ReleaseSeeder.SeedAsync(services, n);
        Console.WriteLine($"n={n:N0}: seeded {n:N0} traces and a Ready release in {seed.Elapsed.TotalSeconds:F1} s " +
            $"(database {new FileInfo(Path.Combine(dir, "deepfinance.db")).Length / 1e6:F0} MB)");
        foreach (var format in formats)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            var baseWs = self.WorkingSet64;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            using var sampler = new PeakSampler(TimeSpan.FromMilliseconds(50));
            var watch = Stopwatch.StartNew();
            var result = await services.GetRequiredService<ReleaseExporter>()
                .ExportAsync(releaseId, ExportFormats.Parse(format), Path.Combine(dir, "out-" + format));
            watch.Stop();
            var peak = sampler.Stop();
            var file = result.Files[0];
            results.Add((n, format, watch.Elapsed.TotalSeconds, file.Bytes, peak, baseWs, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore));
            Console.WriteLine($"n={n:N0} {format}: {watch.Elapsed.TotalSeconds:F1} s ({result.Counts.Rows / watch.Elapsed.TotalSeconds:N0} rows/s), " +
                $"{file.Name} {file.Bytes / 1e6:F1} MB, peak working set {peak / 1e6:F0} MB (before: {baseWs / 1e6:F0} MB), " +
                $"allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1e6:F0} MB, load average {LoadAverage()}");
        }
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!keep)
        {
            Directory.Delete(dir, recursive: true);
        }
        else
        {
            Console.WriteLine($"kept {dir}");
        }
    }
}

Console.WriteLine();
Console.WriteLine("| traces | format | time | rows/s | file | peak working set | before export |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var r in results)
{
    Console.WriteLine($"| {r.N:N0} | {r.Format} | {r.Seconds:F1} s | {r.N / r.Seconds:N0} | {r.Bytes / 1e6:F1} MB | {r.PeakWs / 1e6:F0} MB | {r.BaseWs / 1e6:F0} MB |");
}
foreach (var format in formats)
{
    var bySize = results.Where(r => r.Format == format).OrderBy(r => r.N).ToList();
    if (bySize.Count >= 2)
    {
        Console.WriteLine($"{format}: peak working set {bySize[^1].N:N0} / {bySize[0].N:N0} = {(double)bySize[^1].PeakWs / bySize[0].PeakWs:F2}×");
    }
}
return 0;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static async Task<ServiceProvider> OpenAsync(string dir)
{
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["DeepFinance:DataDirectory"] = dir,
        ["DeepFinance:Simulator:Enabled"] = "false",
    }).Build();
    var services = new ServiceCollection()
        .AddSingleton<IConfiguration>(configuration)
        .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
        .AddDeepFinanceCore(configuration)
        .BuildServiceProvider();
    await services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
    return services;
}

/// <summary>The highest working set seen, sampled on its own thread while the export runs.</summary>
internal sealed class PeakSampler : IDisposable
{
    private readonly Thread _thread;
    private readonly TimeSpan _every;
    private volatile bool _stop;
    private long _peak;

    public PeakSampler(TimeSpan every)
    {
        _every = every;
        _thread = new Thread(Run) { IsBackground = true };
        _thread.Start();
    }

    public long Stop()
    {
        _stop = true;
        _thread.Join();
        return _peak;
    }

    public void Dispose() => _stop = true;

    private void Run()
    {
        using var self = Process.GetCurrentProcess();
        while (!_stop)
        {
            self.Refresh();
            _peak = Math.Max(_peak, self.WorkingSet64);
            Thread.Sleep(_every);
        }
        self.Refresh();
        _peak = Math.Max(_peak, self.WorkingSet64);
    }
}
