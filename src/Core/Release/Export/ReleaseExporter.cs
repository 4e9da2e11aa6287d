using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Release.Export;

/// <summary>What one export wrote: the files (data files first, the card last) and the counts the card shows.</summary>
public sealed record ReleaseExportResult(Data.Release Release, string OutputDirectory, IReadOnlyList<ExportedFile> Files, ExportCounts Counts, long Pairs);

/// <summary>
/// Writes a Ready release's frozen rows in the formats asked for, in one pass over the database a page at a time:
/// every format's file is fed row by row, so memory does not grow with the release. Files are written beside the
/// output folder's other files under a staging name and moved in when all are complete; the dataset card comes last.
/// </summary>
public sealed class ReleaseExporter(IDbContextFactory<DeepFinanceDbContext> dbFactory, ReleaseRowReader reader, TimeProvider time)
{
    public const string CardFileName = "README.md";
    public const string DatasetInfoFileName = "dataset_info.json";

    /// <summary>A release by version (e.g. "1.0.0") or, failing that, by id.</summary>
    public async Task<Data.Release?> FindAsync(string nameOrId, CancellationToken ct = default)
    {
        var key = nameOrId.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var byVersion = await db.Releases.AsNoTracking().FirstOrDefaultAsync(r => r.Version == key, ct);
        if (byVersion is not null)
        {
            return byVersion;
        }
        return long.TryParse(key, out var id) ? await db.Releases.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct) : null;
    }

    /// <summary>A release by id only (the API's route names ids).</summary>
    public async Task<Data.Release?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Releases.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
    }

    public async Task<ReleaseExportResult> ExportAsync(long releaseId, IReadOnlyList<ExportFormat> formats, string outputDirectory,
        ReleaseExportOptions? options = null, CancellationToken ct = default)
    {
        Data.Release release;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            release = await db.Releases.AsNoTracking().FirstOrDefaultAsync(r => r.Id == releaseId, ct)
                ?? throw new ReleaseExportException($"No release with id {releaseId}.");
        }
        return await ExportAsync(release, formats, outputDirectory, options, ct);
    }

    public async Task<ReleaseExportResult> ExportAsync(Data.Release release, IReadOnlyList<ExportFormat> formats, string outputDirectory,
        ReleaseExportOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(release);
        options ??= new ReleaseExportOptions();
        if (ReleaseRules.ExportRefusal(release) is { } reason)
        {
            throw new ReleaseExportException(reason);
        }
        if (formats.Count == 0)
        {
            throw new ReleaseExportException($"Say which format to export: {ExportFormats.Names}.");
        }

        var output = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(output);
        var staging = Path.Combine(output, $".export-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var counts = new ExportCounts();
            var rows = new Dictionary<ExportFormat, long>();
            var sinks = new List<(ExportFormat Format, IExportSink Sink)>();
            try
            {
                foreach (var format in formats.Distinct())
                {
                    sinks.Add((format, Open(format, Path.Combine(staging, ExportFormats.FileName(format)), release, options)));
                }
                await foreach (var row in reader.ReadAsync(release.Id, options.PageSize, ct))
                {
                    counts.Add(row);
                    foreach (var (_, sink) in sinks)
                    {
                        await sink.WriteAsync(row, ct);
                    }
                }
                foreach (var (format, sink) in sinks)
                {
                    await sink.CompleteAsync(ct);
                    rows[format] = sink.Rows;
                }
            }
            finally
            {
                foreach (var (_, sink) in sinks)
                {
                    await sink.DisposeAsync();
                }
            }

            var pairs = rows.GetValueOrDefault(ExportFormat.Dpo);
            if (!rows.ContainsKey(ExportFormat.Dpo))
            {
                pairs = counts.ByKind.GetValueOrDefault("accepted_rewrite") - counts.RewritesWithoutPair;
            }
            var files = new List<ExportedFile>();
            foreach (var format in rows.Keys.OrderBy(f => f))
            {
                files.Add(await MoveInAsync(staging, output, ExportFormats.FileName(format), ExportFormats.Name(format), rows[format], ct));
            }
            if (rows.Keys.Any(f => f is ExportFormat.Alpaca or ExportFormat.ShareGpt or ExportFormat.Dpo))
            {
                await File.WriteAllTextAsync(Path.Combine(staging, DatasetInfoFileName), DatasetInfo(release, rows.Keys), new UTF8Encoding(false), ct);
                files.Add(await MoveInAsync(staging, output, DatasetInfoFileName, null, 0, ct));
            }
            var card = DatasetCard.Render(release, counts, files, pairs, time.GetUtcNow());
            await File.WriteAllTextAsync(Path.Combine(staging, CardFileName), card, new UTF8Encoding(false), ct);
            files.Add(await MoveInAsync(staging, output, CardFileName, null, 0, ct));
            return new ReleaseExportResult(release, output, files, counts, pairs);
        }
        finally
        {
            try
            {
                Directory.Delete(staging, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a staging folder left behind holds partial files only and is named as such.
            }
        }
    }

    private static IExportSink Open(ExportFormat format, string path, Data.Release release, ReleaseExportOptions options) =>
        format == ExportFormat.Parquet
            ? new ParquetSink(path, options.ParquetRowGroupSize, new Dictionary<string, string>
            {
                ["deepfinance.release"] = release.Version,
                ["deepfinance.release_id"] = release.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            })
            : OpenJson(format, new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous),
                Path.GetFileName(path), ownsStream: true, options);

    private static IExportSink OpenJson(ExportFormat format, Stream destination, string fileName, bool ownsStream, ReleaseExportOptions options) => format switch
    {
        ExportFormat.Chat => new ChatSink(destination, fileName, ownsStream, options),
        ExportFormat.Flat => new FlatSink(destination, fileName, ownsStream),
        ExportFormat.Alpaca => new AlpacaSink(destination, fileName, ownsStream, options),
        ExportFormat.ShareGpt => new ShareGptSink(destination, fileName, ownsStream, options),
        ExportFormat.Dpo => new DpoSink(destination, fileName, ownsStream, options),
        _ => throw new ReleaseExportException($"Format '{format}' is not one of {ExportFormats.Names}."),
    };

    /// <summary>Whether a format can be written straight into a stream that cannot seek (an HTTP response), row by row.</summary>
    public static bool Streams(ExportFormat format) => format is ExportFormat.Chat or ExportFormat.Flat or ExportFormat.Alpaca or ExportFormat.ShareGpt
        or ExportFormat.Dpo;

    /// <summary>
    /// Writes one row-per-line or JSON-array format of a Ready release straight into <paramref name="destination"/> as rows
    /// are read, so the first bytes leave before the last row is read; returns the number of records written.
    /// </summary>
    public async Task<long> WriteAsync(Data.Release release, ExportFormat format, Stream destination, ReleaseExportOptions? options = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(release);
        options ??= new ReleaseExportOptions();
        if (ReleaseRules.ExportRefusal(release) is { } reason)
        {
            throw new ReleaseExportException(reason);
        }
        if (!Streams(format))
        {
            throw new ReleaseExportException($"Format '{ExportFormats.Name(format)}' needs a file; it cannot be streamed.");
        }
        await using var sink = OpenJson(format, destination, ExportFormats.FileName(format), ownsStream: false, options);
        await foreach (var row in reader.ReadAsync(release.Id, options.PageSize, ct))
        {
            await sink.WriteAsync(row, ct);
        }
        await sink.CompleteAsync(ct);
        return sink.Rows;
    }

    private static async Task<ExportedFile> MoveInAsync(string staging, string output, string name, string? format, long rows, CancellationToken ct)
    {
        var source = Path.Combine(staging, name);
        string sha;
        long bytes;
        await using (var stream = File.OpenRead(source))
        {
            bytes = stream.Length;
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
        }
        File.Move(source, Path.Combine(output, name), overwrite: true);
        return new ExportedFile(name, format, rows, bytes, sha);
    }

    /// <summary>LLaMA-Factory's dataset registry, so the folder loads as is (<c>dataset_dir</c> = the folder).</summary>
    private static string DatasetInfo(Data.Release release, IEnumerable<ExportFormat> formats)
    {
        var prefix = "deepfinance_" + new string(release.Version.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        var info = new Dictionary<string, object>();
        foreach (var format in formats)
        {
            switch (format)
            {
                case ExportFormat.Alpaca:
                    info[prefix + "_alpaca"] = new Dictionary<string, object>
                    {
                        ["file_name"] = ExportFormats.FileName(format),
                        ["columns"] = new Dictionary<string, string> { ["prompt"] = "instruction", ["query"] = "input", ["response"] = "output", ["system"] = "system" },
                    };
                    break;
                case ExportFormat.ShareGpt:
                    info[prefix + "_sharegpt"] = new Dictionary<string, object>
                    {
                        ["file_name"] = ExportFormats.FileName(format),
                        ["formatting"] = "sharegpt",
                        ["columns"] = new Dictionary<string, string> { ["messages"] = "conversations" },
                        ["tags"] = new Dictionary<string, string>
                        {
                            ["role_tag"] = "from", ["content_tag"] = "value", ["user_tag"] = "human", ["assistant_tag"] = "gpt", ["system_tag"] = "system",
                        },
                    };
                    break;
                case ExportFormat.Dpo:
                    info[prefix + "_dpo"] = new Dictionary<string, object>
                    {
                        ["file_name"] = ExportFormats.FileName(format),
                        ["ranking"] = true,
                        ["columns"] = new Dictionary<string, string> { ["prompt"] = "prompt", ["chosen"] = "chosen", ["rejected"] = "rejected", ["system"] = "system" },
                    };
                    break;
            }
        }
        return JsonSerializer.Serialize(info, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
