using System.Diagnostics;
using System.Globalization;
using DeepFinance.Bench.Engine;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

// Run-engine throughput against src/LlmSim over loopback HTTP, each pipeline figure beside a bare HTTP loop
// measured in the same process against the same simulator. See bench/README.md, section "Engine".
// usage: dotnet run -c Release --project bench/Engine -- --scenario saturation|overhead|volume|grid|all [--n N]
//        [--workers W] [--bare-seconds S] [--traces T (grid)]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string? scenario = null;
int? n = null;
var workers = Math.Max(4, Environment.ProcessorCount * 4); // the web app's Hangfire worker count
var bareSeconds = 10.0;
var gridTraces = 300_000;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value");
    switch (args[i])
    {
        case "--scenario":
            scenario = Value();
            break;
        case "--n":
            n = int.Parse(Value(), CultureInfo.InvariantCulture);
            break;
        case "--workers":
            workers = int.Parse(Value(), CultureInfo.InvariantCulture);
            break;
        case "--traces":
            gridTraces = int.Parse(Value(), CultureInfo.InvariantCulture);
            break;
        case "--bare-seconds":
            bareSeconds = double.Parse(Value(), CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"error: unknown option '{args[i]}'");
            return 2;
    }
}
if (scenario is not ("saturation" or "overhead" or "volume" or "grid" or "all"))
{
    Console.Error.WriteLine("error: --scenario must be saturation, overhead, volume, grid or all");
    return 2;
}

Console.WriteLine($"load average at start {LoadAverage()}");
Console.WriteLine($"engine bench: scenario {scenario}, {Environment.ProcessorCount} CPU(s), .NET {Environment.Version}, " +
    $"server GC {System.Runtime.GCSettings.IsServerGC}, {workers} run workers, pid {Environment.ProcessId}, {DateTimeOffset.Now:yyyy-MM-dd HH:mm}");
var rows = new List<string[]>();
var bare = TimeSpan.FromSeconds(bareSeconds);

if (scenario is "saturation" or "all")
{
    foreach (var c in new[] { 32, 128 })
    {
        const double latency = 200;
        var ideal = c / (latency / 1000);
        // About 20 s of work at the ideal rate; today's engine takes two to three times that.
        var count = n ?? (int)(ideal * 20);
        await using var env = await BenchEnvironment.StartAsync(latency, c, workers);
        var loop = await BareLoop.RunAsync(env, c, bare, firstQuestion: 10_000_000);
        Report($"saturation C={c}: bare loop", loop);
        var source = await env.ImportAsync(count);
        var (outcome, _, _) = await RunPipelineAsync(env, source, $"saturation C={c}");
        var perSecond = outcome.Done / outcome.Running.TotalSeconds;
        rows.Add([$"saturation C={c}, L=200 ms, N={count:N0}", $"{perSecond:N1} traces/s = {perSecond / ideal:F2} of C/L ({ideal:N0}/s)",
            $"{loop.RequestsPerSecond:N1} req/s = {loop.RequestsPerSecond / ideal:F2} of C/L", $"{perSecond / ideal:F2}", "≥ 0.95 of C/L"]);
    }
}

if (scenario is "overhead" or "all")
{
    const int c = 32;
    var count = n ?? 6_000;
    await using var env = await BenchEnvironment.StartAsync(0, c, workers);
    var loop = await BareLoop.RunAsync(env, c, bare, firstQuestion: 10_000_000);
    Report("overhead C=32 L=0: bare loop", loop);
    var source = await env.ImportAsync(count);
    var (outcome, cpu, _) = await RunPipelineAsync(env, source, "overhead C=32 L=0");
    var perSecond = outcome.Done / outcome.Running.TotalSeconds;
    var cpuPerTrace = cpu.TotalMilliseconds / Math.Max(1, outcome.Done);
    Console.WriteLine($"overhead: {cpuPerTrace:F2} ms CPU per trace (whole process, simulator included) vs {loop.CpuMsPerRequest:F2} ms per bare request; " +
        $"engine's own ≈ {cpuPerTrace - loop.CpuMsPerRequest:F2} ms");
    rows.Add([$"overhead C=32, L=0, N={count:N0}", $"{perSecond:N0} traces/s, {cpuPerTrace:F2} ms CPU/trace",
        $"{loop.RequestsPerSecond:N0} req/s, {loop.CpuMsPerRequest:F2} ms CPU/req", $"{perSecond / loop.RequestsPerSecond:F3}", "≥ 0.7 of bare loop"]);
}

if (scenario == "volume")
{
    const int c = 32;
    var sizes = n is { } only ? [only] : new[] { 30_000, 300_000 };
    var peaks = new Dictionary<int, long>();
    foreach (var count in sizes)
    {
        await using var env = await BenchEnvironment.StartAsync(0, c, workers);
        var loop = await BareLoop.RunAsync(env, c, TimeSpan.FromSeconds(5), firstQuestion: 10_000_000);
        Report($"volume {count:N0}: bare loop", loop);
        var importClock = Stopwatch.StartNew();
        long importPeak;
        long source;
        using (var importSampler = new PeakSampler())
        {
            source = await env.ImportAsync(count);
            importPeak = importSampler.Peak;
        }
        Console.WriteLine($"volume {count:N0}: import {importClock.Elapsed.TotalSeconds:N1} s, peak working set {importPeak / 1e6:N0} MB");
        var (outcome, _, peak) = await RunPipelineAsync(env, source, $"volume {count:N0}");
        peaks[count] = peak;
        var grid = await PipelineDriver.TimeTraceGridAsync(env.Services, outcome.RunId, CancellationToken.None);
        foreach (var g in grid)
        {
            Console.WriteLine($"volume {count:N0}: trace grid {g.Label}, page {g.Page:N0} ({g.Rows} rows of {g.Total:N0}): {g.Milliseconds:N0} ms");
            rows.Add([$"grid at {count:N0}: {g.Label}, page {g.Page:N0}", $"{g.Milliseconds:N0} ms", "", "", "< 200 ms"]);
        }
        rows.Add([$"volume N={count:N0}, C=32, L=0", $"wall {outcome.Running.TotalSeconds:N0} s ({outcome.Done / outcome.Running.TotalSeconds:N0} traces/s), peak WS {peak / 1e6:N0} MB",
            $"{loop.RequestsPerSecond:N0} req/s", $"{outcome.Done / outcome.Running.TotalSeconds / loop.RequestsPerSecond:F3}", ""]);
    }
    if (peaks.TryGetValue(30_000, out var small) && peaks.TryGetValue(300_000, out var large))
    {
        rows.Add(["volume peak WS 300K / 30K", $"{large / (double)small:F2}×", "", "", "≤ 1.2×"]);
    }
}

if (scenario == "grid")
{
    // The grid at a large trace count without sampling every answer: a real run of N questions, its traces
    // copied under further sample indexes up to --traces, then the same page timings as the volume scenario.
    var count = n ?? 3_000;
    await using var env = await BenchEnvironment.StartAsync(0, 32, workers);
    var source = await env.ImportAsync(count);
    var (outcome, _, _) = await RunPipelineAsync(env, source, $"grid base N={count:N0}");
    var clock = Stopwatch.StartNew();
    var total = await TraceReplicator.GrowAsync(env.Services, outcome.RunId, gridTraces);
    var dbBytes = Directory.GetFiles(env.Directory, "*.db*").Sum(f => new FileInfo(f).Length);
    Console.WriteLine($"grid: run {outcome.RunId} grown to {total:N0} traces in {clock.Elapsed.TotalSeconds:N1} s; database files {dbBytes / 1e6:N0} MB");
    foreach (var g in await PipelineDriver.TimeTraceGridAsync(env.Services, outcome.RunId, CancellationToken.None))
    {
        Console.WriteLine($"grid: {g.Label}, page {g.Page:N0} ({g.Rows} rows of {g.Total:N0}): {g.Milliseconds:N0} ms");
        rows.Add([$"grid at {total:N0} traces: {g.Label}, page {g.Page:N0}", $"{g.Milliseconds:N0} ms", "", "", "< 200 ms"]);
    }
}

Console.WriteLine();
Console.WriteLine("| scenario | pipeline | bare loop | ratio | target |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var r in rows)
{
    Console.WriteLine("| " + string.Join(" | ", r) + " |");
}
return 0;

static void Report(string label, BareLoopResult loop) =>
    Console.WriteLine($"{label}: {loop.RequestsPerSecond:N1} req/s over {loop.Elapsed.TotalSeconds:N1} s ({loop.Requests:N0} ok, {loop.Errors:N0} errors), " +
        $"{loop.CpuMsPerRequest:F2} ms CPU/req");

static async Task<(PipelineOutcome Outcome, TimeSpan Cpu, long PeakWorkingSet)> RunPipelineAsync(BenchEnvironment env, long source, string label)
{
    // A small run of other questions first, so the measured run meets jitted code and open connections.
    var warmSource = await env.ImportAsync(300, offset: 20_000_000);
    var warm = await PipelineDriver.RunQ2aAsync(env.Services, warmSource, BenchEnvironment.Synthesizer, CancellationToken.None);
    Console.WriteLine($"{label}: warm-up run {warm.Status}, {warm.Done} done");
    GC.Collect();
    Console.WriteLine($"{label}: pipeline starting (pid {Environment.ProcessId})");
    var process = Process.GetCurrentProcess();
    var cpuBefore = process.TotalProcessorTime;
    var wall = Stopwatch.StartNew();
    using var sampler = new PeakSampler();
    using var progress = new ProgressReporter(env, label, wall);
    var outcome = await PipelineDriver.RunQ2aAsync(env.Services, source, BenchEnvironment.Synthesizer, CancellationToken.None);
    wall.Stop();
    process.Refresh();
    var cpu = process.TotalProcessorTime - cpuBefore;
    Console.WriteLine($"{label}: run {outcome.RunId} {outcome.Status}, {outcome.Done:N0} done, {outcome.Failed:N0} failed, {outcome.Attempts:N0} attempts, " +
        $"running {outcome.Running.TotalSeconds:N1} s (launch to idle {wall.Elapsed.TotalSeconds:N1} s), " +
        $"{outcome.Done / outcome.Running.TotalSeconds:N1} traces/s, CPU {cpu.TotalSeconds:N1} s, peak WS {sampler.Peak / 1e6:N0} MB" +
        (outcome.Error is null ? "" : $", error: {outcome.Error}") + $", load average {LoadAverage()}");
    return (outcome, cpu, sampler.Peak);
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

/// <summary>Prints committed traces and the working set every 30 s, so a long run shows how it goes.</summary>
internal sealed class ProgressReporter : IDisposable
{
    private readonly Timer _timer;

    public ProgressReporter(BenchEnvironment env, string label, Stopwatch wall)
    {
        var db = env.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();
        _timer = new Timer(_ =>
        {
            using var context = db.CreateDbContext();
            var traces = context.Traces.Count();
            using var p = Process.GetCurrentProcess();
            Console.WriteLine($"{label}: {wall.Elapsed.TotalSeconds:N0} s, {traces:N0} traces committed, working set {p.WorkingSet64 / 1e6:N0} MB");
        }, null, 30_000, 30_000);
    }

    public void Dispose() => _timer.Dispose();
}

/// <summary>Samples this process's working set every 500 ms and keeps the highest.</summary>
internal sealed class PeakSampler : IDisposable
{
    private readonly Timer _timer;
    private long _peak;

    public PeakSampler()
    {
        Sample();
        _timer = new Timer(_ => Sample(), null, 500, 500);
    }

    public long Peak
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak);
        }
    }

    private void Sample()
    {
        using var p = Process.GetCurrentProcess();
        var ws = p.WorkingSet64;
        long seen;
        while (ws > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, ws, seen) != seen)
        {
        }
    }

    public void Dispose() => _timer.Dispose();
}
