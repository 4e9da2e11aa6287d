using System.Diagnostics;
using System.Globalization;
using DeepFinance.Core.Curation;

// Dedup at volume, through the same streaming clustering `deepfinance dedup` uses: questions are generated one at a
// time (nothing but the index holds them), half Chinese, half English, from eight templates with varied figures.
// Every 10th question is a disguised copy of an earlier one (full-width digits, extra spaces, a filler word), which
// must join its cluster; every 10th + 5 is a counterfactual variant of an earlier one (one figure changed), which
// must stay apart. Reports time, questions/s, peak working set and bytes per indexed question, and what was caught.
var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [30_000, 300_000];
Console.WriteLine($"dedup bench, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, load {Load()}");
foreach (var n in sizes)
{
    Measure(n);
}

static void Measure(int n)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var process = Process.GetCurrentProcess();
    var before = Environment.WorkingSet;
    var peak = before;
    using var stop = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, Environment.WorkingSet);
            await Task.Delay(200);
        }
    });

    var clustering = DuplicateDetector.Create().StartClustering();
    var copies = new List<(string Id, string Of)>();
    var variants = new List<(string Id, string Of)>();
    var cpu = process.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < n; i++)
    {
        var id = "q" + i.ToString(CultureInfo.InvariantCulture);
        string text;
        if (i % 10 == 0 && i > 0)
        {
            var of = i - 7;
            text = Disguise(Question(of));
            copies.Add((id, "q" + of.ToString(CultureInfo.InvariantCulture)));
        }
        else if (i % 10 == 5)
        {
            var of = i - 3;
            text = Question(of, changeFigure: true);
            variants.Add((id, "q" + of.ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            text = Question(i);
        }
        clustering.Add(new DedupItem(id, text));
    }
    var added = clock.Elapsed;
    var result = clustering.Finish(KeepRule.FirstSeen);
    clock.Stop();
    var cpuUsed = process.TotalProcessorTime - cpu;
    stop.Cancel();
    sampler.Wait();
    peak = Math.Max(peak, Environment.WorkingSet);

    var cluster = result.Assignments.ToDictionary(a => a.Id, a => a.ClusterId, StringComparer.Ordinal);
    var caught = copies.Count(c => cluster[c.Id] == cluster[c.Of]);
    var keptApart = variants.Count(v => cluster[v.Id] != cluster[v.Of]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"n={n:N0}: {clock.Elapsed.TotalSeconds:F1} s ({n / clock.Elapsed.TotalSeconds:N0} questions/s; adding {added.TotalSeconds:F1} s, finish {(clock.Elapsed - added).TotalSeconds:F1} s), CPU {cpuUsed.TotalSeconds:F1} s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  peak working set {peak / 1e6:N0} MB (start {before / 1e6:N0} MB, +{(peak - before) / (double)n:N0} bytes per question); clusters {result.KeptCount:N0}, duplicates {result.DuplicateCount:N0}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  disguised copies joined {caught:N0} of {copies.Count:N0}; counterfactual variants kept apart {keptApart:N0} of {variants.Count:N0}; load {Load()}"));
    GC.KeepAlive(clustering);
}

// Eight templates; figures come from the index so that distinct indices give distinct questions.
static string Question(int i, bool changeFigure = false)
{
    var a = 1_000 + i % 9_000 * 7;
    var r = 1 + i / 9_000 % 40 / 4.0;
    var y = 1 + i / 360_000 % 30 + i % 7;
    if (changeFigure)
    {
        a += 500;
    }
    var rate = r.ToString("0.##", CultureInfo.InvariantCulture);
    return (i % 8) switch
    {
        0 => $"A deposit of {a} yuan earns {rate}% simple interest a year. What is the interest after {y} years?",
        1 => $"某人存入{a}元，年单利{rate}%，{y}年后利息是多少元？",
        2 => $"A bond with face value {a} pays a {rate}% coupon annually. How much coupon is paid over {y} years?",
        3 => $"一张面值{a}元的债券票面利率为{rate}%，每年付息一次，{y}年共支付多少利息？",
        4 => $"A loan of {a} dollars is repaid over {y} years at {rate}% interest compounded yearly. What is the total amount owed at the end?",
        5 => $"贷款{a}元，年利率{rate}%，按年复利计息，{y}年后应还本息合计多少？",
        6 => $"A fund charges a {rate}% management fee on assets of {a} dollars. What is the fee over {y} years if assets stay flat?",
        _ => $"某基金规模{a}元，管理费率{rate}%，规模不变时{y}年共收取管理费多少元？",
    };
}

// What people do to a copied question: full-width digits, extra spaces, a polite filler in front.
static string Disguise(string text)
{
    var wide = new string(text.Select(c => c is >= '0' and <= '9' ? (char)(c - '0' + '０') : c).ToArray());
    return (text.Any(c => c >= 0x4E00) ? "请问，" : "Please tell me: ") + wide.Replace(" ", "  ", StringComparison.Ordinal);
}

static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
