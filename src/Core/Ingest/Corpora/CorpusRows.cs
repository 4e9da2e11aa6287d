using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Serialization;

namespace DeepFinance.Core.Ingest.Corpora;

/// <summary>One row of a corpus file as a JSON object, with where it stands (line, array element or Parquet row).</summary>
public sealed record SourceRow(int Place, string Unit, JsonObject Row);

/// <summary>
/// Streams the rows of a corpus file whatever its format, each as a JSON object, so one mapping reads them all:
/// JSONL and CSV by line, a top-level JSON array element by element (never loaded whole), Parquet row group by row group.
/// A problem in the file itself (bad JSON, a short CSV row) is added to the errors with its place.
/// </summary>
public static class CorpusRows
{
    public const string Jsonl = "jsonl", JsonArray = "json", Csv = "csv", Parquet = "parquet";

    /// <summary>The format by file extension; <c>.json</c> is a JSON array (or JSONL when its first character is <c>{</c>, decided while reading).</summary>
    public static string Detect(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".csv" => Csv,
        ".parquet" or ".pq" => Parquet,
        ".json" => JsonArray,
        _ => Jsonl,
    };

    public static async IAsyncEnumerable<SourceRow> ReadAsync(Stream stream, string format, InputLimits limits, List<ImportError> errors,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (format == JsonArray)
        {
            // Many sets ship JSON Lines under a .json name: look at the first character before choosing.
            var (first, replay) = await PeekFirstCharAsync(stream, ct);
            stream = replay;
            format = first == '{' ? Jsonl : JsonArray;
        }
        var rows = format switch
        {
            Csv => ReadCsvAsync(stream, limits, errors, ct),
            Parquet => ReadParquetAsync(stream, errors, ct),
            JsonArray => ReadJsonArrayAsync(stream, errors, ct),
            _ => ReadJsonlAsync(stream, limits, errors, ct),
        };
        await foreach (var row in rows)
        {
            yield return row;
        }
    }

    private static async IAsyncEnumerable<SourceRow> ReadJsonlAsync(Stream stream, InputLimits limits, List<ImportError> errors,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (number, line) in NonBlankLines.ReadAsync(stream, limits.MaxLineBytes, errors, ct))
        {
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException e)
            {
                errors.Add(new ImportError(number, "", $"invalid JSON ({FirstSentence(e.Message)})"));
                continue;
            }
            if (node is JsonObject obj)
            {
                yield return new SourceRow(number, "line", obj);
            }
            else
            {
                errors.Add(new ImportError(number, "", "each line must be a JSON object"));
            }
        }
    }

    private static async IAsyncEnumerable<SourceRow> ReadJsonArrayAsync(Stream stream, List<ImportError> errors,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        // One element at a time: the serializer buffers only the element it is reading.
        var elements = JsonSerializer.DeserializeAsyncEnumerable<JsonNode>(stream, cancellationToken: ct).GetAsyncEnumerator(ct);
        var index = 0;
        try
        {
            while (true)
            {
                try
                {
                    if (!await elements.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (JsonException e)
                {
                    // The serializer reads ahead, so the element count is not exact here; the file line is.
                    errors.Add(new ImportError((int)(e.LineNumber ?? 0) + 1, "", $"invalid JSON ({FirstSentence(e.Message)}), after element {index} or later; "
                        + "a .json file must hold one array of objects [{…}, {…}]"));
                    yield break;
                }
                index++;
                if (elements.Current is JsonObject obj)
                {
                    yield return new SourceRow(index, "element", obj);
                }
                else
                {
                    errors.Add(new ImportError(index, "", "each element of the array must be a JSON object") { Unit = "element" });
                }
            }
        }
        finally
        {
            await elements.DisposeAsync();
        }
    }

    private static async IAsyncEnumerable<SourceRow> ReadCsvAsync(Stream stream, InputLimits limits, List<ImportError> errors,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var reader = new LineReader(stream, limits.MaxLineBytes);
        List<string>? header = null;
        while (true)
        {
            List<string>? cells;
            int line;
            try
            {
                (cells, line) = await CsvSeedReader.ReadRecordAsync(reader, limits.MaxLineBytes, ct);
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
                header = cells.Select(c => c.Trim()).ToList();
                var repeated = header.GroupBy(h => h, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1 && g.Key.Length > 0);
                if (repeated is not null)
                {
                    errors.Add(new ImportError(line, repeated.Key, "the header names this column twice"));
                    yield break;
                }
                continue;
            }
            if (cells.Count != header.Count)
            {
                errors.Add(new ImportError(line, "", $"{cells.Count} columns where the header has {header.Count}"));
                continue;
            }
            var row = new JsonObject();
            for (var i = 0; i < cells.Count; i++)
            {
                // Unnamed columns (a pandas index) have no name to map by.
                if (header[i].Length > 0)
                {
                    row[header[i]] = cells[i];
                }
            }
            yield return new SourceRow(line, "line", row);
        }
    }

    private static async IAsyncEnumerable<SourceRow> ReadParquetAsync(Stream stream, List<ImportError> errors,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        // Parquet keeps its directory at the end of the file: an upload is spooled to a temporary file first.
        var path = Path.Combine(Path.GetTempPath(), $"deepfinance-import-{Guid.NewGuid():N}.parquet");
        try
        {
            await using (var spool = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await stream.CopyToAsync(spool, ct);
            }
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            int groups;
            try
            {
                await using var reader = await ParquetReader.CreateAsync(file, null, leaveStreamOpen: true, ct);
                groups = reader.RowGroupCount;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or InvalidOperationException or ArgumentException)
            {
                errors.Add(new ImportError(0, "", $"not a readable Parquet file ({e.Message})"));
                yield break;
            }
            var rowNumber = 0;
            for (var g = 0; g < groups; g++)
            {
                file.Position = 0;
                IList<Dictionary<string, object>> rows;
                try
                {
                    var result = await ParquetSerializer.DeserializeUntypedAsync(file, null, g, ct);
                    rows = result.Data;
                }
                catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or InvalidOperationException or ArgumentException)
                {
                    errors.Add(new ImportError(rowNumber + 1, "", $"row group {g + 1} cannot be read ({e.Message})") { Unit = "row" });
                    yield break;
                }
                foreach (var values in rows)
                {
                    rowNumber++;
                    var row = new JsonObject();
                    foreach (var (key, value) in values)
                    {
                        row[key] = ToNode(value);
                    }
                    yield return new SourceRow(rowNumber, "row", row);
                }
            }
        }
        finally
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Best effort: the temporary directory is cleaned by the system anyway.
            }
        }
    }

    /// <summary>A Parquet value (scalar, list, struct) as JSON.</summary>
    internal static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int or long or short or byte or sbyte or uint or ushort => JsonValue.Create(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
        ulong u => JsonValue.Create(u),
        float or double or decimal => JsonValue.Create(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)),
        byte[] bytes => JsonValue.Create(System.Text.Encoding.UTF8.GetString(bytes)),
        DateTime d => JsonValue.Create(d.ToString("O")),
        DateTimeOffset d => JsonValue.Create(d.ToString("O")),
        IDictionary<string, object?> dict => new JsonObject(dict.Select(p => KeyValuePair.Create(p.Key, ToNode(p.Value)))),
        IDictionary dict => new JsonObject(dict.Keys.Cast<object>().Select(k => KeyValuePair.Create(k.ToString() ?? "", ToNode(dict[k])))),
        IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToNode).ToArray()),
        IFormattable f => JsonValue.Create(f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(value.ToString()),
    };

    private static async Task<(char First, Stream Replay)> PeekFirstCharAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[4096];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0)
            {
                break;
            }
            read += n;
            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, read).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
            if (text.Length > 0)
            {
                break;
            }
        }
        var first = System.Text.Encoding.UTF8.GetString(buffer, 0, read).TrimStart('\uFEFF', ' ', '\t', '\r', '\n').FirstOrDefault();
        return (first, new PrefixedStream(buffer.AsMemory(0, read), stream));
    }

    internal static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    /// <summary>Replays bytes already read, then the rest of the stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_prefix.Length > 0)
            {
                var n = Math.Min(buffer.Length, _prefix.Length);
                _prefix[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }
            return await rest.ReadAsync(buffer, cancellationToken);
        }
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
