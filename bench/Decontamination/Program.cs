using System.Diagnostics;
using System.Globalization;
using System.Text;
using DeepFinance.Core.Curation;
using DeepFinance.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Decontamination of a generated pool (default 300,000 questions, half Chinese, half English) against a generated
// benchmark set (default 2,000 items) on a real SQLite file. Every 1,000th pool question is a disguised copy of a
// benchmark item (full-width digits, spaces, a filler, a swapped word); the rest share the items' templates and
// vocabulary with other numbers and other asked-for quantities. Reports time, questions/s, hits vs planted copies,
// and peak memory.
var questions = Arg("--questions", 300_000);
var items = Arg("--items", 2_000);
var every = Arg("--plant-every", 1_000);

var directory = Path.Combine(Path.GetTempPath(), "df-bench-decon-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(directory);
var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["DeepFinance:DataDirectory"] = directory,
    ["DeepFinance:Simulator:Enabled"] = "false",
}).Build();
await using var services = new ServiceCollection()
    .AddSingleton<IConfiguration>(configuration)
    .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
    .AddDeepFinanceCore(configuration)
    .BuildServiceProvider();
await services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
var factory = services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();

// The benchmark, through the real importer.
var bench = new StringBuilder();
for (var i = 0; i < items; i++)
{
    bench.Append("{\"id\":\"b").Append(i).Append("\",\"question\":\"").Append(Item(i)).Append("\",\"answer\":\"1\"}\n");
}
var imported = await services.GetRequiredService<BenchmarkImporter>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(bench.ToString())), "bench.jsonl", "bench", "bench");
if (!imported.Succeeded)
{
    throw new InvalidOperationException(string.Join("; ", imported.Errors));
}

// The pool, written with one prepared statement per row in transactions of 10,000.
var fill = Stopwatch.StartNew();
var planted = 0;
await using (var db = await factory.CreateDbContextAsync())
{
    var inserter = SqliteRowInserter.For<Question>(db);
    var connection = (SqliteConnection)db.Database.GetDbConnection();
    await connection.OpenAsync();
    for (var start = 0; start < questions; start += 10_000)
    {
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        using var command = inserter.Prepare(connection, tx);
        for (var n = start; n < Math.Min(questions, start + 10_000); n++)
        {
            var copy = n % every == every - 1;
            planted += copy ? 1 : 0;
            var text = copy ? Disguise(Item(n / every % items)) : Pool(n);
            inserter.Insert(command, new Question
            {
                Origin = QuestionOrigin.Q2A, Text = text, Language = n % 2 == 0 ? "zh" : "en", CreatedAt = DateTimeOffset.UtcNow,
            });
        }
        await tx.CommitAsync();
    }
}
fill.Stop();

GC.Collect();
var before = GC.GetTotalMemory(true);
var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
var watch = Stopwatch.StartNew();
var result = await services.GetRequiredService<Decontaminator>().RunAsync(new DecontaminationScope(imported.SetId));
watch.Stop();
var process = Process.GetCurrentProcess();
process.Refresh();
var cpu = process.TotalProcessorTime - cpuBefore;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"pool {questions:N0} questions (written in {fill.Elapsed.TotalSeconds:0.0} s), {items:N0} benchmark items, {planted:N0} planted copies"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"decontamination: {watch.Elapsed.TotalSeconds:0.0} s wall, {cpu.TotalSeconds:0.0} s CPU ({result.Scanned / cpu.TotalSeconds:N0} questions per CPU second), {result.Hits:N0} hits"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"memory: peak working set {process.PeakWorkingSet64 / 1048576.0:N0} MB, managed heap before {before / 1048576.0:N0} MB, after {GC.GetTotalMemory(false) / 1048576.0:N0} MB"));
await using (var db = await factory.CreateDbContextAsync())
{
    var methods = await db.ContaminationHits.GroupBy(h => h.Method).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
    Console.WriteLine("hits by method: " + string.Join(", ", methods.Select(m => $"{m.Key} {m.Count:N0}")));
    // A fresh database: question ids are 1, 2, 3… in pool order, so the planted ones are known.
    var flagged = await db.ContaminationHits.Select(h => h.QuestionId).Distinct().ToListAsync();
    var caught = flagged.Count(id => (id - 1) % every == every - 1);
    Console.WriteLine($"contaminated questions: {flagged.Count:N0}; planted copies caught {caught:N0} of {planted:N0}; other questions flagged {flagged.Count - caught:N0}");
    planted -= caught;
    if (args.Contains("--show"))
    {
        var (_, rows) = await services.GetRequiredService<BenchmarkQueries>().HitsAsync(imported.SetId, 1, 5, HitSort.ScoreAscending);
        foreach (var row in rows)
        {
            Console.WriteLine($"{row.Method} {row.Score:0.00}\n  {row.QuestionText}\n  {row.ItemQuestion}");
        }
    }
}
SqliteConnection.ClearAllPools();
Directory.Delete(directory, recursive: true);
return planted == 0 ? 0 : 1;

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

// Benchmark items: Chinese for even i, English for odd i, each with its own numbers.
static string Item(int i) => i % 2 == 0
    ? $"某公司{2000 + i % 25}年净利润为{100 + i}万元，发行在外的普通股加权平均数为{1000 + 7 * i}万股，优先股股利为{i % 50 + 1}万元，则该公司的基本每股收益为多少元？"
    : $"A bond with a face value of ${1000 + i} pays an annual coupon of {i % 9 + 2}% and matures in {i % 20 + 1} years. If the market yield is {i % 7 + 3}%, what is the price of the bond?";

// Pool questions: the same vocabulary and templates, other numbers, often another asked-for quantity.
static string Pool(int n) => (n % 4) switch
{
    0 => $"某公司{2000 + n % 25}年营业收入为{500 + n % 9000}万元，营业成本为{200 + n % 3000}万元，则该公司的毛利率为多少？",
    1 => $"A bond with a face value of ${1000 + n % 5000} is callable after {n % 9 + 1} years. What is the yield to call if the call price is ${1050 + n % 70}?",
    2 => $"某客户向银行贷款{10 + n % 90}万元，年利率{n % 6 + 2}%，期限{n % 10 + 1}年，按等额本息还款，每月还款额为多少元？",
    _ => $"A stock trades at ${20 + n % 80} with earnings per share of ${n % 9 + 1}. What is its price-to-earnings ratio, and how does it compare with a sector average of {n % 30 + 5}?",
};

// Full-width digits, extra spaces, a filler, one word swapped.
static string Disguise(string item)
{
    var wide = new StringBuilder();
    foreach (var ch in item)
    {
        wide.Append(ch is >= '0' and <= '9' ? (char)('０' + (ch - '0')) : ch);
    }
    var text = wide.ToString();
    return text.Contains("某公司", StringComparison.Ordinal)
        ? "请问：" + text.Replace("净利润为", "净利润是 ", StringComparison.Ordinal)
        : "Please, " + text.Replace("face value", "par value", StringComparison.Ordinal).Replace(". If", ".  If", StringComparison.Ordinal);
}
