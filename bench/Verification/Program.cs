using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DeepFinance.Core.Verification;

// Rules-only verification throughput: N pairs generated deterministically from the dev set's pairs,
// each copy with its digits remapped (the same mapping in reference, response, question and options,
// so numbers vary while a pair keeps its shape). Single thread; reports items/s and bytes allocated per item.
// usage: dotnet run -c Release --project bench/Verification [-- --pairs 100000] [--dev PATH] [--rounds 3]
var pairs = 100_000;
var rounds = 3;
string? devPath = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--pairs":
            pairs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--rounds":
            rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--dev":
            devPath = args[++i];
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

devPath ??= FindDevSet();
if (devPath is null || !File.Exists(devPath))
{
    Console.Error.WriteLine("error: dev set not found; pass --dev PATH to answer-equivalence.dev.jsonl");
    return 2;
}

var seeds = File.ReadLines(devPath).Where(l => !string.IsNullOrWhiteSpace(l)).Select(Parse).ToList();
var inputs = Generate(seeds, pairs);
var verifier = RuleVerifier.Instance;
var tolerances = VerificationTolerances.Default;

// Warm-up: every code path jitted (and tiered up) before measuring.
for (var w = 0; w < 3; w++)
{
    foreach (var input in inputs.Take(20_000))
    {
        verifier.Verify(input, tolerances);
    }
}

Console.WriteLine($"dev set: {devPath} ({seeds.Count} pairs), generated {inputs.Count:N0} pairs, {rounds} rounds, {Environment.ProcessorCount} CPU(s), .NET {Environment.Version}");
var best = double.MaxValue;
long bytesAtBest = 0;
var counts = new int[3];
for (var r = 1; r <= rounds; r++)
{
    Array.Clear(counts);
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var before = GC.GetTotalAllocatedBytes(precise: true);
    var clock = Stopwatch.StartNew();
    foreach (var input in inputs)
    {
        counts[(int)verifier.Verify(input, tolerances).Verdict]++;
    }
    clock.Stop();
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
    var seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"round {r}: {inputs.Count / seconds,12:N0} items/s  {seconds * 1000,8:N0} ms  {allocated / (double)inputs.Count,8:N0} B/item  (correct {counts[0]:N0}, incorrect {counts[1]:N0}, unverifiable {counts[2]:N0})"));
    if (seconds < best)
    {
        best = seconds;
        bytesAtBest = allocated;
    }
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"best: {inputs.Count / best:N0} items/s, {bytesAtBest / (double)inputs.Count:N0} B allocated per item"));
return 0;

static VerificationInput Parse(string line)
{
    using var doc = JsonDocument.Parse(line);
    var root = doc.RootElement;
    var options = root.TryGetProperty("options", out var o) && o.ValueKind == JsonValueKind.Array
        ? o.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList()
        : null;
    // Only the inputs the verifier reads; answer-key fields are ignored.
    return new VerificationInput(
        root.GetProperty("reference").GetString()!,
        root.GetProperty("response").GetString()!,
        root.TryGetProperty("question", out var q) ? q.GetString() : null,
        options);
}

static List<VerificationInput> Generate(List<VerificationInput> seeds, int count)
{
    var result = new List<VerificationInput>(count);
    var random = new Random(20261125);
    var digits = new char[10];
    for (var i = 0; i < count; i++)
    {
        var seed = seeds[i % seeds.Count];
        if (i < seeds.Count)
        {
            result.Add(seed);
            continue;
        }

        // A fixed-seed permutation of 1-9 (0 stays 0, so no number gains or loses a leading digit).
        digits[0] = '0';
        var perm = Enumerable.Range(1, 9).OrderBy(_ => random.Next()).ToArray();
        for (var d = 1; d <= 9; d++)
        {
            digits[d] = (char)('0' + perm[d - 1]);
        }

        result.Add(new VerificationInput(
            Remap(seed.Reference, digits),
            Remap(seed.Response, digits),
            seed.Question is null ? null : Remap(seed.Question, digits),
            seed.Options?.Select(o => Remap(o, digits)).ToList()));
    }

    return result;
}

static string Remap(string text, char[] digits)
{
    var sb = new StringBuilder(text.Length);
    foreach (var c in text)
    {
        sb.Append(c is >= '0' and <= '9' ? digits[c - '0'] : c);
    }

    return sb.ToString();
}

static string? FindDevSet()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var path = Path.Combine(dir.FullName, "shared", "eval", "answer-equivalence.dev.jsonl");
        if (File.Exists(path))
        {
            return path;
        }
    }

    return null;
}
