using System.Security.Cryptography;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest.Corpora;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Ingest;

/// <summary>A problem found in an import, named by line and field.</summary>
public sealed record ImportError(int Line, string Field, string Message)
{
    /// <summary>What <see cref="Line"/> counts: a "line" of JSONL or CSV, an "element" of a JSON array, a Parquet "row".</summary>
    public string Unit { get; init; } = "line";

    public override string ToString() => Field.Length == 0 ? $"{Unit} {Line}: {Message}" : $"{Unit} {Line}, {Field}: {Message}";
}

public sealed record ImportResult(long? SourceId, int ItemCount, IReadOnlyList<ImportError> Errors)
{
    public bool Succeeded => Errors.Count == 0 && SourceId is not null;

    /// <summary>Columns or fields the importer does not read: ignored on success, the reason (or one of them) on refusal.</summary>
    public IReadOnlyList<UnknownColumn> UnknownColumns { get; init; } = [];

    /// <summary>Whether the caller acknowledged unread columns (<c>ignoreUnknownColumns</c>).</summary>
    public bool UnknownColumnsAcknowledged { get; init; }

    /// <summary>Refused at least in part because of unread columns, which an acknowledgement would let through.</summary>
    public bool RefusedForUnknownColumns => !Succeeded && UnknownColumns.Count > 0 && !UnknownColumnsAcknowledged;
}

/// <summary>One validated row of a seed file.</summary>
public sealed record SeedRecord(int Line, string? Id, string Question, string Answer, List<string>? Options, TaskType? TaskType, string? Source)
{
    /// <summary>Every named field of the line as read (lower-case names), for importers that read more than a seed does.</summary>
    public IReadOnlyDictionary<string, string?> Fields { get; init; } = new Dictionary<string, string?>();

    /// <summary>Which question of its row (several on one TAT-QA table).</summary>
    public int ItemIndex { get; init; }

    /// <summary>The answer's unit as the source gave it; <see cref="Answer"/> already carries it.</summary>
    public string? Scale { get; init; }

    public Difficulty? Difficulty { get; init; }

    /// <summary>What <see cref="Line"/> counts (line, element, row).</summary>
    public string Unit { get; init; } = "line";
}

/// <summary>
/// Imports a seed corpus (JSONL or CSV with <c>question</c>, <c>answer</c>, optional <c>id</c>,
/// <c>options</c> or option columns <c>A</c>–<c>F</c>, <c>task_type</c>, <c>source</c>), streamed, all or nothing:
/// one bad line and nothing is written, and every problem (up to a limit) is reported by line. A column it does not
/// read refuses the import unless the caller acknowledges it (<c>ignoreUnknownColumns</c>).
/// </summary>
public sealed class SeedImporter(IDbContextFactory<DeepFinanceDbContext> dbFactory, Microsoft.Extensions.Options.IOptions<InputLimits>? limitOptions = null)
{
    private readonly InputLimits _limits = limitOptions?.Value ?? new InputLimits();

    public const int MaxReportedErrors = 50;
    private const int BatchSize = 1000;

    public Task<ImportResult> ImportAsync(Stream content, string fileName, string name, string? importedBy, CancellationToken ct = default) =>
        ImportAsync(content, fileName, name, importedBy, ignoreUnknownColumns: false, ct);

    public async Task<ImportResult> ImportAsync(Stream content, string fileName, string name, string? importedBy, bool ignoreUnknownColumns,
        CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return new ImportResult(null, 0, [new ImportError(0, "name", "a seed source needs a name")]);
        }
        if (CheckName(name, "name", _limits) is { } nameError)
        {
            return new ImportResult(null, 0, [nameError]);
        }
        if (CheckName(Path.GetFileName(fileName), "file", _limits) is { } fileError)
        {
            return new ImportResult(null, 0, [fileError]);
        }
        var format = DetectFormat(fileName);
        var log = new ImportLog(ignoreUnknownColumns, _limits);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var hashing = new HashingStream(content, sha);
        var records = format == "csv" ? CsvSeedReader.ReadAsync(hashing, log, ct) : ReadJsonlAsync(hashing, log, ct);
        var result = await WriteAsync(records, log.Errors, sha, fileName, name, format, importedBy, ct);
        return result with { UnknownColumns = log.Unknown, UnknownColumnsAcknowledged = ignoreUnknownColumns };
    }

    /// <summary>
    /// Imports any corpus format (JSONL, JSON array, CSV, Parquet) through a field mapping (docs/corpora.md); without
    /// one, the mapping suggested from the first rows' fields. Fields the mapping does not read are left out and named
    /// in <see cref="ImportResult.UnknownColumns"/>: choosing a mapping is the acknowledgement. All or nothing, like the plain import.
    /// </summary>
    public async Task<ImportResult> ImportMappedAsync(Stream content, string fileName, string name, string? importedBy, SeedMapping? mapping,
        CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return new ImportResult(null, 0, [new ImportError(0, "name", "a seed source needs a name")]);
        }
        if ((CheckName(name, "name", _limits) ?? CheckName(Path.GetFileName(fileName), "file", _limits)) is { } nameError)
        {
            return new ImportResult(null, 0, [nameError]);
        }
        if (mapping?.Check() is { } wrong)
        {
            return new ImportResult(null, 0, [new ImportError(0, "mapping", wrong)]);
        }
        var errors = new List<ImportError>();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var hashing = new HashingStream(content, sha);
        await using var reading = await CorpusReading.OpenAsync(hashing, fileName, mapping, _limits, errors, ct);
        if (reading.Mapping.Check() is { } unusable)
        {
            if (errors.Count > 0)
            {
                // The file itself is broken; that is the problem to name, not the mapping it could not suggest.
                return new ImportResult(null, 0, errors.Take(MaxReportedErrors).ToList());
            }
            return new ImportResult(null, 0, [.. errors, new ImportError(0, "mapping", $"no mapping given and none could be suggested: {unusable}")]);
        }
        var read = reading.Mapping.ReadFields().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unread = reading.Columns.Where(c => !read.Contains(c)).Select(c => new UnknownColumn(c, 0, null)).ToList();
        var result = await WriteAsync(reading.Records, errors, sha, fileName, name, reading.Format, importedBy, ct);
        return result with { UnknownColumns = unread, UnknownColumnsAcknowledged = true };
    }

    /// <summary>Writes the records in one transaction, or nothing when any problem was found; every problem up to a limit is named.</summary>
    private async Task<ImportResult> WriteAsync(IAsyncEnumerable<SeedRecord> records, List<ImportError> errors, IncrementalHash sha, string fileName,
        string name, string format, string? importedBy, CancellationToken ct)
    {
        var seenIds = new Dictionary<string, (int Line, string Unit)>(StringComparer.Ordinal);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var source = new SeedSource
        {
            Name = name.Trim(), FileName = Path.GetFileName(fileName), Format = format, ContentSha256 = "",
            ImportedAt = DateTimeOffset.UtcNow, ImportedBy = importedBy,
        };
        db.SeedSources.Add(source);
        await db.SaveChangesAsync(ct);

        var count = 0;
        var pending = 0;
        await foreach (var record in records)
        {
            if (CheckFieldLengths(record, _limits) is { } tooLong)
            {
                errors.Add(tooLong with { Unit = record.Unit });
                continue;
            }
            if (record.Id is { } id)
            {
                if (seenIds.TryGetValue(id, out var first))
                {
                    errors.Add(new ImportError(record.Line, "id", $"duplicate id \"{id}\" (first on {first.Unit} {first.Line})") { Unit = record.Unit });
                    continue;
                }
                seenIds[id] = (record.Line, record.Unit);
            }
            if (errors.Count > 0)
            {
                // Keep reading to report more problems, but write nothing more.
                if (errors.Count >= MaxReportedErrors)
                {
                    break;
                }
                continue;
            }
            db.SeedItems.Add(new SeedItem
            {
                SeedSourceId = source.Id, LineNumber = record.Line, ItemIndex = record.ItemIndex, ExternalId = record.Id, Question = record.Question,
                Answer = record.Answer, Options = record.Options, TaskType = record.TaskType, Source = record.Source,
                AnswerScale = record.Scale, Difficulty = record.Difficulty,
            });
            count++;
            if (++pending == BatchSize)
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                db.Attach(source);
                pending = 0;
            }
        }

        if (errors.Count == 0 && count == 0)
        {
            errors.Add(new ImportError(0, "", "the file holds no items"));
        }
        if (errors.Count > 0)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return new ImportResult(null, 0, errors.Take(MaxReportedErrors).ToList());
        }
        source.ItemCount = count;
        source.ContentSha256 = Convert.ToHexStringLower(sha.GetHashAndReset());
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new ImportResult(source.Id, count, []);
    }

    /// <summary>A name (of a seed source, a file) over <see cref="InputLimits.MaxNameChars"/>, named; null when it fits.</summary>
    public static ImportError? CheckName(string? name, string field, InputLimits limits) =>
        name is { Length: var n } && n > limits.MaxNameChars
            ? new ImportError(0, field, InputLimits.FieldTooLong(n, limits.MaxNameChars, nameof(InputLimits.MaxNameChars)))
            : null;

    /// <summary>One place for the per-field limit, for JSONL and CSV alike: the first field over it, named with its line.</summary>
    internal static ImportError? CheckFieldLengths(SeedRecord record, InputLimits limits)
    {
        var max = limits.MaxFieldChars;
        foreach (var (field, value) in new[] { ("question", record.Question), ("answer", record.Answer), ("id", record.Id), ("source", record.Source) })
        {
            if (value is { Length: var n } && n > max)
            {
                return new ImportError(record.Line, field, InputLimits.FieldTooLong(n, max));
            }
        }
        for (var i = 0; record.Options is not null && i < record.Options.Count; i++)
        {
            if (record.Options[i].Length > max)
            {
                return new ImportError(record.Line, $"options[{i}]", InputLimits.FieldTooLong(record.Options[i].Length, max));
            }
        }
        return null;
    }

    public static string DetectFormat(string fileName) =>
        Path.GetExtension(fileName).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? "csv" : "jsonl";

    internal static async IAsyncEnumerable<SeedRecord> ReadJsonlAsync(Stream stream, ImportLog log,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (number, line) in NonBlankLines.ReadAsync(stream, log.Limits.MaxLineBytes, log.Errors, ct))
        {
            var record = ParseJsonLine(number, line, log);
            if (record is not null)
            {
                yield return record;
            }
        }
    }

    internal static SeedRecord? ParseJsonLine(int lineNumber, string line, ImportLog log)
    {
        var errors = log.Errors;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            errors.Add(new ImportError(lineNumber, "", $"invalid JSON ({FirstSentence(e.Message)})"));
            return null;
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ImportError(lineNumber, "", "each line must be a JSON object"));
                return null;
            }
            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            var letters = new SortedDictionary<char, string?>();
            List<string>? options = null;
            var hasOptions = false;
            var before = errors.Count;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var known = log.Reads(p.Name);
                var letter = known ? null : SeedFields.OptionLetter(p.Name);
                if (!known && letter is null)
                {
                    log.ReportUnknown(p.Name, lineNumber, null);
                    continue;
                }
                if (letter is { } l ? letters.ContainsKey(l) : fields.ContainsKey(p.Name) || (hasOptions && p.Name.Equals("options", StringComparison.OrdinalIgnoreCase)))
                {
                    // JSON allows a repeated key, and the parser would keep only one of the two values.
                    errors.Add(new ImportError(lineNumber, p.Name, "given twice"));
                    continue;
                }
                if (p.Name.Equals("options", StringComparison.OrdinalIgnoreCase))
                {
                    hasOptions = true;
                    options = ReadOptions(p.Value, lineNumber, errors);
                    continue;
                }
                var text = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                    JsonValueKind.Null => null,
                    _ => Invalid(p.Name),
                };
                if (letter is { } key)
                {
                    letters[key] = text;
                }
                else
                {
                    fields[p.Name] = text;
                }
            }
            if (letters.Count > 0 && hasOptions)
            {
                errors.Add(new ImportError(lineNumber, "options", $"given both as options and as option fields {string.Join(",", letters.Keys)}; keep one of the two"));
            }
            else if (letters.Count > 0 && SeedFields.CheckContiguous(letters.Keys, lineNumber, "field", errors))
            {
                options = SeedFields.FromLetters(lineNumber, letters.Values.ToList(), errors);
            }
            var record = Validate(lineNumber, fields, options, errors);
            return errors.Count == before ? record : null;

            string? Invalid(string field)
            {
                errors.Add(new ImportError(lineNumber, field, "must be a string"));
                return null;
            }
        }
    }

    private static List<string>? ReadOptions(JsonElement value, int line, List<ImportError> errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(o => o.ValueKind != JsonValueKind.String))
        {
            errors.Add(new ImportError(line, "options", "must be an array of strings"));
            return null;
        }
        var list = value.EnumerateArray().Select(o => o.GetString()!.Trim()).ToList();
        return list.Count == 0 ? null : list;
    }

    /// <summary>Shared by JSONL and CSV: required fields present, task type known, a choice answer within the options.</summary>
    internal static SeedRecord? Validate(int line, IReadOnlyDictionary<string, string?> fields, List<string>? options, List<ImportError> errors)
    {
        var ok = true;
        var question = Get("question");
        var answer = Get("answer");
        if (string.IsNullOrWhiteSpace(question))
        {
            errors.Add(new ImportError(line, "question", question is null ? "missing" : "empty"));
            ok = false;
        }
        if (string.IsNullOrWhiteSpace(answer))
        {
            errors.Add(new ImportError(line, "answer", answer is null ? "missing" : "empty"));
            ok = false;
        }
        TaskType? taskType = null;
        var taskText = Get("task_type");
        if (!string.IsNullOrWhiteSpace(taskText))
        {
            if (TaskTypes.TryParse(taskText, out var t))
            {
                taskType = t;
            }
            else
            {
                errors.Add(new ImportError(line, "task_type", $"\"{taskText}\" is not one of: {string.Join(", ", TaskTypes.Names)}"));
                ok = false;
            }
        }
        if (ok && options is not null)
        {
            var before = errors.Count;
            SeedFields.CheckChoiceAnswer(line, answer!.Trim(), options, errors);
            ok = errors.Count == before;
        }
        var id = Get("id");
        return ok
            ? new SeedRecord(line, string.IsNullOrWhiteSpace(id) ? null : id.Trim(), question!.Trim(), answer!.Trim(), options, taskType,
                string.IsNullOrWhiteSpace(Get("source")) ? null : Get("source")!.Trim()) { Fields = fields }
            : null;

        string? Get(string key) => fields.TryGetValue(key, out var v) ? v : null;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.');
    }

    /// <summary>Hashes what passes through, so the stored source records the file's digest without a second read.</summary>
    internal sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            hash.AppendData(buffer, offset, n);
            return n;
        }
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            hash.AppendData(buffer.Span[..n]);
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
