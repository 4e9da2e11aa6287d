using System.Text.Json.Nodes;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Ingest.Corpora;

/// <summary>One mapped row of a preview: what would be stored, with where it came from.</summary>
public sealed record PreviewRow(int Line, string Unit, int ItemIndex, string? Id, string Question, List<string>? Options, string Answer,
    string? Scale, string? TaskType, string? Difficulty, string? Source);

/// <summary>A preview: the fields seen, the mapping suggested for them, the mapping used, the first mapped rows and their problems.</summary>
public sealed record CorpusPreviewResult(string Format, IReadOnlyList<string> Columns, SeedMapping SuggestedMapping, SeedMapping Mapping,
    IReadOnlyList<PreviewRow> Rows, IReadOnlyList<ImportError> Problems);

/// <summary>
/// The mapped reading both the preview and the import go through: rows from any format, the mapping (given, or
/// suggested from the fields of the first rows), and seed records. The first rows are held to see their fields, then
/// the rest streams.
/// </summary>
public sealed class CorpusReading : IAsyncDisposable
{
    private IAsyncEnumerator<SourceRow>? _rows;

    /// <summary>Stops reading the file (and removes a Parquet spool file) even when the records were never read.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_rows is not null)
        {
            await _rows.DisposeAsync();
        }
    }

    public const int SampleRows = 20;

    public required string Format { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }
    public required SeedMapping Suggested { get; init; }
    public required SeedMapping Mapping { get; init; }
    public required IAsyncEnumerable<SeedRecord> Records { get; init; }

    public static async Task<CorpusReading> OpenAsync(Stream stream, string fileName, SeedMapping? mapping, InputLimits limits,
        List<ImportError> errors, CancellationToken ct, bool sampleOnly = false)
    {
        var format = CorpusRows.Detect(fileName);
        var rows = CorpusRows.ReadAsync(stream, format, limits, errors, ct).GetAsyncEnumerator(ct);
        var sample = new List<SourceRow>();
        var more = false;
        while (sample.Count < SampleRows && (more = await rows.MoveNextAsync()))
        {
            sample.Add(rows.Current);
        }
        var columns = sample.SelectMany(r => r.Row.Select(p => p.Key)).Distinct(StringComparer.Ordinal).ToList();
        var suggested = SeedMapping.Suggest(columns);
        if (suggested is { Shape: SeedShape.Flat, Options: null, OptionColumns: null, Answer: { } answer } && sample.Count > 0
            && sample.All(r => RowMapper.Get(r.Row, answer) is JsonValue v && RowMapper.TrueFalse(v.ToString()) is not null))
        {
            // Every answer seen is true/false-like: suggest the true/false shape.
            suggested = suggested with { TrueFalse = true };
        }
        var used = mapping ?? suggested;
        return new CorpusReading
        {
            Format = format, Columns = columns, Suggested = suggested, Mapping = used,
            Records = Map(sample, rows, more && !sampleOnly, used, errors),
            _rows = rows,
        };
    }

    private static async IAsyncEnumerable<SeedRecord> Map(List<SourceRow> sample, IAsyncEnumerator<SourceRow> rest, bool readRest, SeedMapping mapping,
        List<ImportError> errors)
    {
        try
        {
            foreach (var row in sample)
            {
                foreach (var record in RowMapper.Map(row, mapping, errors))
                {
                    yield return record;
                }
            }
            while (readRest && await rest.MoveNextAsync())
            {
                foreach (var record in RowMapper.Map(rest.Current, mapping, errors))
                {
                    yield return record;
                }
            }
        }
        finally
        {
            await rest.DisposeAsync();
        }
    }
}

/// <summary>Previews a corpus file under a mapping without writing anything, and keeps the saved mappings.</summary>
public sealed class CorpusPreview(IDbContextFactory<DeepFinanceDbContext> dbFactory, Microsoft.Extensions.Options.IOptions<InputLimits>? limitOptions = null)
{
    private readonly InputLimits _limits = limitOptions?.Value ?? new InputLimits();

    /// <summary>The first <see cref="CorpusReading.SampleRows"/> rows mapped, and the problems among them; reads no further.</summary>
    public async Task<CorpusPreviewResult> PreviewAsync(Stream content, string fileName, SeedMapping? mapping, CancellationToken ct = default)
    {
        var errors = new List<ImportError>();
        await using var reading = await CorpusReading.OpenAsync(content, fileName, mapping, _limits, errors, ct, sampleOnly: true);
        if (reading.Mapping.Check() is { } wrong && (mapping is not null || errors.Count == 0))
        {
            errors.Add(new ImportError(0, "mapping", wrong));
        }
        var rows = new List<PreviewRow>();
        await using (var records = reading.Records.GetAsyncEnumerator(ct))
        {
            while (reading.Mapping.Check() is null && await records.MoveNextAsync())
            {
                var r = records.Current;
                if (SeedImporter.CheckFieldLengths(r, _limits) is { } tooLong)
                {
                    errors.Add(tooLong with { Unit = r.Unit });
                    continue;
                }
                rows.Add(new PreviewRow(r.Line, r.Unit, r.ItemIndex, r.Id, r.Question, r.Options, r.Answer, r.Scale,
                    r.TaskType?.DisplayName(), r.Difficulty?.ToString(), r.Source));
            }
        }
        return new CorpusPreviewResult(reading.Format, reading.Columns, reading.Suggested, reading.Mapping, rows,
            errors.Take(SeedImporter.MaxReportedErrors).ToList());
    }

    public async Task<List<SavedSeedMapping>> ListMappingsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SeedMappings.AsNoTracking().OrderBy(m => m.Name).ToListAsync(ct);
    }

    /// <summary>The saved mapping called <paramref name="name"/>, or null.</summary>
    public async Task<SeedMapping?> FindMappingAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var saved = await db.SeedMappings.AsNoTracking().FirstOrDefaultAsync(m => m.Name == name.Trim(), ct);
        return saved is null ? null : SeedMapping.Parse(saved.MappingJson, out _);
    }

    /// <summary>Saves a mapping under a new name; an error names why it was not saved (bad mapping, name taken).</summary>
    public async Task<(SavedSeedMapping? Saved, ImportError? Error)> SaveMappingAsync(string name, SeedMapping mapping, string? createdBy, CancellationToken ct = default)
    {
        name = name?.Trim() ?? "";
        if (name.Length == 0)
        {
            return (null, new ImportError(0, "name", "a mapping needs a name"));
        }
        if (SeedImporter.CheckName(name, "name", _limits) is { } tooLong)
        {
            return (null, tooLong);
        }
        if (mapping.Check() is { } wrong)
        {
            return (null, new ImportError(0, "mapping", wrong));
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.SeedMappings.AnyAsync(m => m.Name == name, ct))
        {
            return (null, new ImportError(0, "name", $"a mapping called \"{name}\" already exists"));
        }
        var saved = new SavedSeedMapping { Name = name, MappingJson = mapping.ToJson(), CreatedBy = createdBy, CreatedAt = DateTimeOffset.UtcNow };
        db.SeedMappings.Add(saved);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two saves of one name at once: the unique index lets one through.
            return (null, new ImportError(0, "name", $"a mapping called \"{name}\" already exists"));
        }
        return (saved, null);
    }
}
