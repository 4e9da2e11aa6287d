using System.Text;
using System.Text.Json;

namespace DeepFinance.Core.Ingest;

/// <summary>
/// CSV seeds: a header row naming the columns, RFC 4180 quoting (a quoted field may span lines).
/// Options are either one <c>options</c> column (a JSON array of strings or values separated by <c>|</c>) or one
/// column per option named by its letter, A to F. Any other column is reported and read only with acknowledgement.
/// </summary>
internal static class CsvSeedReader
{
    public static async IAsyncEnumerable<SeedRecord> ReadAsync(Stream stream, ImportLog log,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var errors = log.Errors;
        var reader = new LineReader(stream, log.Limits.MaxLineBytes);
        Header? header = null;
        while (true)
        {
            List<string>? cells;
            int startLine;
            try
            {
                (cells, startLine) = await ReadRecordAsync(reader, log.Limits.MaxLineBytes, ct);
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
                header = Header.Read(cells, startLine, log);
                if (header is null)
                {
                    yield break;
                }
                continue;
            }
            if (cells.Count != header.Width)
            {
                errors.Add(new ImportError(startLine, "", $"{cells.Count} columns where the header has {header.Width}"));
                continue;
            }
            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, index) in header.Named)
            {
                fields[name] = cells[index];
            }
            var before = errors.Count;
            var options = header.Letters.Count > 0
                ? SeedFields.FromLetters(startLine, header.Letters.Select(i => (string?)cells[i]).ToList(), errors)
                : ParseOptions(fields.GetValueOrDefault("options"), startLine, errors);
            var record = SeedImporter.Validate(startLine, fields, options, errors);
            if (record is not null && errors.Count == before)
            {
                yield return record;
            }
        }
    }

    /// <summary>Where each column the importer reads stands.</summary>
    /// <param name="Named">Lower-case name to position, for the named columns.</param>
    /// <param name="Letters">Positions of the option columns A, B, C… in letter order.</param>
    private sealed record Header(int Width, Dictionary<string, int> Named, List<int> Letters)
    {
        /// <summary>The header, or null when it is unusable (then the rows are not worth reading).</summary>
        public static Header? Read(List<string> cells, int line, ImportLog log)
        {
            var errors = log.Errors;
            var ok = true;
            var named = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var letters = new SortedDictionary<char, int>();
            for (var i = 0; i < cells.Count; i++)
            {
                var name = cells[i].Trim();
                if (log.Reads(name))
                {
                    ok &= Place(named, name.ToLowerInvariant(), name, i);
                }
                else if (SeedFields.OptionLetter(name) is { } letter)
                {
                    ok &= Place(letters, letter, name, i);
                }
                else
                {
                    log.ReportUnknown(name, line, i + 1);
                }
            }
            foreach (var required in new[] { "question", "answer" }.Where(r => !named.ContainsKey(r)))
            {
                errors.Add(new ImportError(line, required, "the header row has no such column"));
                ok = false;
            }
            if (letters.Count > 0)
            {
                ok &= SeedFields.CheckContiguous(letters.Keys, line, "column", errors);
                if (named.ContainsKey("options"))
                {
                    errors.Add(new ImportError(line, "options", $"the header has both an options column and option columns {string.Join(",", letters.Keys)}; keep one of the two"));
                    ok = false;
                }
            }
            return ok ? new Header(cells.Count, named, letters.Values.ToList()) : null;

            bool Place<TKey>(IDictionary<TKey, int> map, TKey key, string name, int index)
            {
                if (map.TryGetValue(key, out var first))
                {
                    // Two columns for one field would make one of them vanish.
                    errors.Add(new ImportError(line, name, $"column {index + 1} repeats column {first + 1}"));
                    return false;
                }
                map[key] = index;
                return true;
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

    internal static async Task<(List<string>? Cells, int StartLine)> ReadRecordAsync(LineReader reader, int maxRecordChars, CancellationToken ct)
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
                if (cell.Length + line.Length > maxRecordChars)
                {
                    // Many short lines inside one quoted field must not add up to an unbounded record either.
                    throw new FormatException($"the record that starts on line {start} runs past {maxRecordChars:N0} characters by line {reader.LineNumber} "
                        + $"({InputLimits.SectionName}:{nameof(InputLimits.MaxLineBytes)}); is a quote left open?");
                }
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
