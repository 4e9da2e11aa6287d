using System.Globalization;
using System.Security.Cryptography;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Extraction;

/// <summary>An uploaded file: its name and content.</summary>
public sealed record DocumentUpload(string FileName, Stream Content);

/// <summary>A document import that was refused, naming the file and line (or the field) at fault.</summary>
public sealed class DocumentImportException(string field, string message, string? file = null, int? line = null) : Exception(message)
{
    public string Field { get; } = field;
    public string? File { get; } = file;
    public int? Line { get; } = line;
}

public sealed record ImportedDocument(long Id, string FileName, string Format, string? Title, string Language, int Chars, int Passages);

public sealed record DocumentImportResult(long DocumentSetId, string Name, IReadOnlyList<ImportedDocument> Documents)
{
    public int Passages => Documents.Sum(d => d.Passages);
}

/// <summary>
/// Imports raw documents as one named set, all or nothing: every file is read (strict UTF-8, line by line), reduced to
/// text and chunked before anything is written; the first problem refuses the whole upload with its file and line.
/// </summary>
public sealed class DocumentImporter(IDbContextFactory<DeepFinanceDbContext> dbFactory, IOptions<InputLimits> limits, AuditLog audit)
{
    public const int MaxFiles = 200;
    public const long MaxFileBytes = 20L << 20;

    public async Task<DocumentImportResult> ImportAsync(string name, IReadOnlyList<DocumentUpload> files, ChunkingOptions chunking, string actor,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(chunking);
        name = (name ?? "").Trim();
        if (name.Length == 0)
        {
            throw new DocumentImportException("name", "Give the document set a name.");
        }
        if (name.Length > Math.Min(200, limits.Value.MaxNameChars))
        {
            throw new DocumentImportException("name", $"The name {InputLimits.FieldTooLong(name.Length, Math.Min(200, limits.Value.MaxNameChars), nameof(InputLimits.MaxNameChars))}.");
        }
        if (chunking.Problem() is { } problem)
        {
            throw new DocumentImportException(problem.Field, problem.Message);
        }
        if (files.Count == 0)
        {
            throw new DocumentImportException("files", "Choose at least one file (.txt, .md or .html).");
        }
        if (files.Count > MaxFiles)
        {
            throw new DocumentImportException("files", $"At most {MaxFiles} files in one upload.");
        }
        var duplicate = files.GroupBy(f => f.FileName, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new DocumentImportException("files", $"{duplicate.Key}: the same file name appears twice in the upload.", duplicate.Key);
        }

        var read = new List<(Document Document, IReadOnlyList<ChunkedPassage> Passages)>();
        foreach (var file in files)
        {
            read.Add(await ReadAsync(file, chunking, ct));
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.DocumentSets.AnyAsync(s => s.Name == name, ct))
        {
            throw new DocumentImportException("name", $"A document set named '{name}' already exists; choose another name.");
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = DateTimeOffset.UtcNow;
        var set = new DocumentSet { Name = name, MaxPassageChars = chunking.MaxChars, OverlapChars = chunking.OverlapChars, CreatedBy = actor, CreatedAt = now };
        db.DocumentSets.Add(set);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another upload took the name between the check and the insert.
            throw new DocumentImportException("name", $"A document set named '{name}' already exists; choose another name.");
        }
        var imported = new List<ImportedDocument>();
        foreach (var (document, passages) in read)
        {
            document.DocumentSetId = set.Id;
            document.CreatedAt = now;
            db.Documents.Add(document);
            await db.SaveChangesAsync(ct);
            db.Passages.AddRange(passages.Select((p, i) => new Passage
            {
                DocumentId = document.Id, Index = i, Heading = Cut(p.Heading, 1000), Text = p.Text, StartLine = p.StartLine,
                Language = PassageChunker.LanguageOf(p.Text),
            }));
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            imported.Add(new ImportedDocument(document.Id, document.FileName, document.Format, document.Title, document.Language, document.Chars, passages.Count));
        }
        await tx.CommitAsync(ct);
        var result = new DocumentImportResult(set.Id, name, imported);
        await audit.WriteAsync(actor, "documents.import", $"document-set:{set.Id}", after: new
        {
            name, files = imported.Count, passages = result.Passages, chunking.MaxChars, chunking.OverlapChars,
        }, ct: ct);
        return result;
    }

    private async Task<(Document, IReadOnlyList<ChunkedPassage>)> ReadAsync(DocumentUpload file, ChunkingOptions chunking, CancellationToken ct)
    {
        var fileName = Path.GetFileName((file.FileName ?? "").Replace('\\', '/'));
        if (fileName.Length == 0)
        {
            throw new DocumentImportException("files", "A file has no name.");
        }
        if (fileName.Length > 260)
        {
            throw new DocumentImportException("files", $"{fileName[..40]}…: the file name is longer than 260 characters.", fileName[..40]);
        }
        var format = DocumentText.FormatOf(fileName)
            ?? throw new DocumentImportException("files", $"{fileName}: only plain text (.txt), Markdown (.md) and HTML (.html, .htm) are read.", fileName);
        using var buffer = new MemoryStream();
        var copied = 0L;
        var chunk = new byte[81920];
        int n;
        while ((n = await file.Content.ReadAsync(chunk, ct)) > 0)
        {
            copied += n;
            if (copied > MaxFileBytes)
            {
                throw new DocumentImportException("files", $"{fileName}: the file is over the {MaxFileBytes >> 20} MB limit for one document.", fileName);
            }
            buffer.Write(chunk, 0, n);
        }
        buffer.Position = 0;
        var sha = Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        var lines = new List<string>();
        var reader = new LineReader(buffer, limits.Value.MaxLineBytes);
        try
        {
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.Contains('\0', StringComparison.Ordinal))
                {
                    throw new DocumentImportException("files", $"{fileName}, line {reader.LineNumber}: a NUL byte; this looks like a binary file, not text.", fileName, reader.LineNumber);
                }
                lines.Add(line);
            }
        }
        catch (LineDecodeException e)
        {
            throw new DocumentImportException("files", $"{fileName}, line {e.Line}: {e.Message}.", fileName, e.Line);
        }
        var reduced = DocumentText.Reduce(format, lines);
        var passages = PassageChunker.Chunk(reduced.Lines, chunking);
        if (passages.Count == 0)
        {
            throw new DocumentImportException("files", format == DocumentText.Html
                ? $"{fileName}: no visible text once scripts, styles and tags are removed."
                : $"{fileName}: the file holds no text.", fileName);
        }
        var all = string.Join('\n', passages.Select(p => p.Text));
        var document = new Document
        {
            FileName = fileName, Format = format, Title = Cut(reduced.Title, 500), Language = PassageChunker.LanguageOf(all),
            Chars = reduced.Lines.Sum(l => l.Length), PassageCount = passages.Count, Sha256 = sha,
        };
        return (document, passages);
    }

    private static string? Cut(string? text, int max) => text is null || text.Length <= max ? text : text[..(max - 1)] + "…";
}

public sealed record DocumentRow(long Id, long DocumentSetId, string SetName, string FileName, string Format, string? Title, string Language,
    int Chars, int Passages, DateTimeOffset CreatedAt);

public sealed record DocumentSetRow(long Id, string Name, int Documents, int Passages, int MaxPassageChars, int OverlapChars, DateTimeOffset CreatedAt);

public sealed record PassageRow(long Id, long DocumentId, int Index, string? Heading, string Text, int StartLine, string Language, int Questions);

/// <summary>Server-side paged lists of document sets, documents and passages for the page and the API.</summary>
public sealed class DocumentQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    public const int MaxPageSize = 200;

    public async Task<(int Total, IReadOnlyList<DocumentSetRow> Items)> SetsAsync(int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var total = await db.DocumentSets.CountAsync(ct);
        var items = await db.DocumentSets.AsNoTracking().OrderByDescending(s => s.Id).Skip(Skip(page, pageSize)).Take(Size(pageSize))
            .Select(s => new DocumentSetRow(s.Id, s.Name, db.Documents.Count(d => d.DocumentSetId == s.Id),
                db.Documents.Where(d => d.DocumentSetId == s.Id).Sum(d => d.PassageCount), s.MaxPassageChars, s.OverlapChars, s.CreatedAt))
            .ToListAsync(ct);
        return (total, items);
    }

    public async Task<(int Total, IReadOnlyList<DocumentRow> Items)> DocumentsAsync(long? setId, string? search, int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = from d in db.Documents.AsNoTracking()
                    join s in db.DocumentSets on d.DocumentSetId equals s.Id
                    select new { d, s.Name };
        if (setId is { } id)
        {
            query = query.Where(x => x.d.DocumentSetId == id);
        }
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim();
            query = query.Where(x => x.d.FileName.Contains(term) || (x.d.Title != null && x.d.Title.Contains(term)) || x.Name.Contains(term));
        }
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(x => x.d.Id).Skip(Skip(page, pageSize)).Take(Size(pageSize))
            .Select(x => new DocumentRow(x.d.Id, x.d.DocumentSetId, x.Name, x.d.FileName, x.d.Format, x.d.Title, x.d.Language, x.d.Chars,
                x.d.PassageCount, x.d.CreatedAt))
            .ToListAsync(ct);
        return (total, items);
    }

    /// <summary>A document's passages in order, with how many questions each produced; null for an unknown document.</summary>
    public async Task<(int Total, IReadOnlyList<PassageRow> Items)?> PassagesAsync(long documentId, int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Documents.AnyAsync(d => d.Id == documentId, ct))
        {
            return null;
        }
        var query = db.Passages.AsNoTracking().Where(p => p.DocumentId == documentId);
        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(p => p.Index).Skip(Skip(page, pageSize)).Take(Size(pageSize))
            .Select(p => new PassageRow(p.Id, p.DocumentId, p.Index, p.Heading, p.Text, p.StartLine, p.Language,
                db.Questions.Count(q => q.PassageId == p.Id)))
            .ToListAsync(ct);
        return (total, items);
    }

    private static int Size(int pageSize) => Math.Clamp(pageSize, 1, MaxPageSize);

    private static int Skip(int page, int pageSize) => Paging.Offset(page, Size(pageSize));
}
