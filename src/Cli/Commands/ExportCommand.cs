using System.Text.Encodings.Web;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Release.Export;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Cli.Commands;

/// <summary>
/// <c>deepfinance export --release NAME-OR-ID --format chat|flat|parquet|alpaca|sharegpt|dpo|all --output DIR
/// [--system TEXT] [--think-inline] [--data DIR]</c>: a Ready release in trainer formats with its dataset card.
/// <c>deepfinance export --run ID --output FILE [--verdict correct|incorrect|unverifiable] [--data DIR]</c>:
/// a run's traces as JSONL with their lineage, streamed, written atomically.
/// </summary>
internal static class ExportCommand
{
    private const string ReleaseUsage = "usage: deepfinance export --release NAME-OR-ID --format F --output DIR [--system TEXT] [--think-inline] [--data DIR]";

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Contains("--release") || args.Any(a => a.StartsWith("--release=", StringComparison.Ordinal)))
        {
            return await ReleaseAsync(args, stdout, stderr);
        }
        return await RunExportAsync(args);
    }

    private static async Task<int> ReleaseAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        CommandArguments options;
        IReadOnlyList<ExportFormat> formats;
        string release, output;
        try
        {
            options = CommandArguments.Parse(args, ["--release", "--format", "--output", "--system", "--data"], ["--think-inline"]);
            release = options.Required("--release");
            output = options.Required("--output");
            formats = ExportFormats.Parse(options.Required("--format"));
        }
        catch (Exception e) when (e is UsageException or ReleaseExportException)
        {
            await stderr.WriteLineAsync($"error: {e.Message}\n{ReleaseUsage}");
            return 2;
        }
        await using var services = await CoreHost.OpenAsync(options.Optional("--data"));
        var exporter = services.GetRequiredService<ReleaseExporter>();
        var found = await exporter.FindAsync(release);
        if (found is null)
        {
            await stderr.WriteLineAsync($"error: no release with version or id '{release}'");
            return 2;
        }
        try
        {
            var result = await exporter.ExportAsync(found, formats, output, new ReleaseExportOptions
            {
                SystemPrompt = options.Optional("--system"),
                ThinkInline = options.Has("--think-inline"),
            });
            await stdout.WriteLineAsync($"exported release {found.Version} ({result.Counts.Rows} rows, {result.Pairs} preference pairs) to {result.OutputDirectory}");
            foreach (var file in result.Files)
            {
                await stdout.WriteLineAsync($"  {file.Name}  {file.Rows} rows  {file.Bytes} bytes  sha256 {file.Sha256}");
            }
            return 0;
        }
        catch (ReleaseExportException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
    }

    private static async Task<int> RunExportAsync(string[] args)
    {
        long runId;
        string output;
        CommandArguments options;
        Verdict? verdict = null;
        try
        {
            options = CommandArguments.Parse(args, ["--run", "--output", "--verdict", "--data"], []);
            if (!long.TryParse(options.Required("--run"), out runId))
            {
                throw new UsageException("--run must be a run id");
            }
            output = options.Required("--output");
            if (options.Optional("--verdict") is { } v)
            {
                verdict = Enum.TryParse<Verdict>(v, ignoreCase: true, out var parsed) ? parsed : throw new UsageException("--verdict must be correct, incorrect or unverifiable");
            }
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}\nusage: deepfinance export --run ID --output FILE [--verdict V] [--data DIR]");
            return 2;
        }
        await using var services = await CoreHost.OpenAsync(options.Optional("--data"));
        await using var db = await services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>().CreateDbContextAsync();
        if (!await db.Runs.AnyAsync(r => r.Id == runId))
        {
            await Console.Error.WriteLineAsync($"error: no run with id {runId}");
            return 2;
        }
        var rows = from t in db.Traces.AsNoTracking()
                   join q in db.Questions.AsNoTracking() on t.QuestionId equals q.Id
                   where t.RunId == runId && t.Status == TraceStatus.Succeeded && (verdict == null || t.Verdict == verdict)
                   orderby t.Id
                   select new { t, q };
        var temp = output + ".partial";
        var count = 0;
        await using (var file = File.Create(temp))
        await using (var writer = new Utf8JsonWriter(file, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            await foreach (var row in rows.AsAsyncEnumerable())
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", row.t.Id);
                writer.WriteNumber("question_id", row.q.Id);
                writer.WriteString("origin", row.q.Origin.ToString());
                writer.WriteString("task_type", row.q.TaskType?.DisplayName());
                writer.WriteString("question", row.q.Text);
                writer.WriteString("reference", row.q.ReferenceAnswer);
                writer.WriteString("reasoning", row.t.Reasoning);
                writer.WriteString("answer", row.t.Answer);
                writer.WriteString("extracted", row.t.ExtractedAnswer);
                writer.WriteString("verdict", row.t.Verdict?.ToString().ToLowerInvariant());
                writer.WriteNumber("sample_index", row.t.SampleIndex);
                writer.WriteString("synthesizer", row.t.SynthesizerName);
                writer.WriteString("model", row.t.Model);
                writer.WriteNumber("template_version", row.t.TemplateVersion);
                writer.WriteString("request_hash", row.t.RequestHash);
                writer.WriteEndObject();
                await writer.FlushAsync();
                file.WriteByte((byte)'\n');
                writer.Reset();
                count++;
            }
        }
        File.Move(temp, output, overwrite: true);
        Console.WriteLine($"exported {count} traces of run {runId} to {output}");
        return 0;
    }
}
