using System.Text;
using System.Text.Json;

namespace DeepFinance.Core.Ingest;

/// <summary>
/// CSV seeds: a header row naming the columns, RFC 4180 quoting (a quoted field may span lines).
/// Options are a JSON array of strings or values separated by <c>|</c>.
/// </summary>
internal static class CsvSeedReader
{
    public static async IAsyncEnumerable<SeedRecord> ReadAsync(Stream stream, List<ImportError> errors,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var reader = new LineReader(stream);
        string[]? header = null;
        while (true)
        {
            List<string>? cells;
            int startLine;
            try
            {
                (cells, startLine) = await ReadRecordAsync(reader, ct);
            }
            catch (LineDecodeException e)
            {
                errors.Add(new ImportError(e.Line, "", e.Message));
                yield break;
            }
            catch (FormatException e)
            {
                errors.Add(new ImportError(reader.LineNumber, "", e.Message));
                yield break;
            }
            if (cells is null)
            {
                yield break;
            }
            if (cells.Count == 1 && cells[0].Length == 0)
            {
                continue;
            }
            if (header is null)
            {
                header = cells.Select(c => c.Trim().ToLowerInvariant()).ToArray();
                foreach (var required in new[] { "question", "answer" }.Where(r => !header.Contains(r)))
                {
                    errors.Add(new ImportError(startLine, required, "the header row has no such column"));
                }
                if (errors.Count > 0)
                {
                    yield break;
                }
                continue;
            }
            if (cells.Count != header.Length)
            {
                errors.Add(new ImportError(startLine, "", $"{cells.Count} columns where the header has {header.Length}"));
                continue;
            }
            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Length; i++)
            {
                fields[header[i]] = cells[i];
            }
            var before = errors.Count;
            var options = ParseOptions(fields.GetValueOrDefault("options"), startLine, errors);
            var record = SeedImporter.Validate(startLine, fields, options, errors);
            if (record is not null && errors.Count == before)
            {
                yield return record;
            }
        }
    }

    private static List<string>? ParseOptions(string? text, int line, List<ImportError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        text = text.Trim();
        if (text.StartsWith('['))
        {
            try
            {
                return JsonSerializer.Deserialize<List<string>>(text);
            }
            catch (JsonException)
            {
                errors.Add(new ImportError(line, "options", "starts with [ but is not a JSON array of strings"));
                return null;
            }
        }
        return text.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static async Task<(List<string>? Cells, int StartLine)> ReadRecordAsync(LineReader reader, CancellationToken ct)
    {
        var line = await reader.ReadLineAsync(ct);
        if (line is null)
        {
            return (null, reader.LineNumber);
        }
        var start = reader.LineNumber;
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var i = 0;
        while (true)
        {
            if (i >= line.Length)
            {
                if (!quoted)
                {
                    cells.Add(cell.ToString());
                    return (cells, start);
                }
                // A quoted field continues on the next physical line.
                line = await reader.ReadLineAsync(ct) ?? throw new FormatException($"a quoted field opened on line {start} is never closed");
                cell.Append('\n');
                i = 0;
                continue;
            }
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"')
                    {
                        cell.Append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                }
                else
                {
                    cell.Append(ch);
                }
            }
            else if (ch == '"' && cell.Length == 0)
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(ch);
            }
            i++;
        }
    }
}
