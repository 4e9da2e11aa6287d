using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace DeepFinance.Cli.Commands;

/// <summary>Bad content in one input line (exit code 2, reported with file and line).</summary>
internal sealed class JsonlInputException(string message) : Exception(message);

/// <summary>One parsed input line handed to a filter's transform. Valid only during the transform call.</summary>
internal readonly struct JsonlRecord
{
    private readonly JsonElement _root;

    public JsonlRecord(JsonElement root, long lineNumber)
    {
        _root = root;
        LineNumber = lineNumber;
    }

    /// <summary>1-based line number in the input file.</summary>
    public long LineNumber { get; }

    /// <summary>The whole JSON object.</summary>
    public JsonElement Root => _root;

    /// <summary>A field that must be present and a string.</summary>
    public string RequiredString(string name)
    {
        if (!_root.TryGetProperty(name, out var value))
        {
            throw new JsonlInputException($"missing field \"{name}\"");
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new JsonlInputException($"field \"{name}\" must be a string, found {Describe(value.ValueKind)}");
    }

    /// <summary>A string field that may be absent or null.</summary>
    public string? OptionalString(string name)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new JsonlInputException($"field \"{name}\" must be a string, found {Describe(value.ValueKind)}");
    }

    /// <summary>An array-of-strings field that may be absent or null.</summary>
    public IReadOnlyList<string>? OptionalStringArray(string name)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new JsonlInputException($"field \"{name}\" must be an array of strings, found {Describe(value.ValueKind)}");
        }

        var list = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw new JsonlInputException($"field \"{name}\" must be an array of strings, found an element that is {Describe(item.ValueKind)}"));
        }

        return list;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// The shared engine of the JSONL filter commands (<c>verify</c>, later <c>redact</c>, <c>dedup</c>):
/// streams the input line by line as strict UTF-8, skips blank lines, hands each JSON object to a
/// transform that writes exactly one output object, and writes the output atomically (a temp file in
/// the output's folder, moved into place only when every line succeeded).
/// Exit codes: 0 success, 2 bad input (stderr <c>error: FILE line N: PROBLEM</c>), 1 I/O failure.
/// </summary>
internal static class JsonlFilter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    /// <summary>Runs <paramref name="transform"/> over every record of <paramref name="inputPath"/>, writing <paramref name="outputPath"/>.</summary>
    public static int Run(string inputPath, string outputPath, Action<JsonlRecord, Utf8JsonWriter> transform, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return Run(inputPath, outputPath, (record, writer, output) =>
        {
            transform(record, writer);
            EndLine(writer, output);
        }, (_, _) => { }, stderr);
    }

    /// <summary>
    /// For filters that must see every line before writing any (dedup): <paramref name="collect"/> reads each record,
    /// then <paramref name="emit"/> writes the output, calling the function it is given once per output object.
    /// Same checks, errors and atomic output as <see cref="Run(string, string, Action{JsonlRecord, Utf8JsonWriter}, TextWriter)"/>.
    /// </summary>
    public static int RunCollected(string inputPath, string outputPath, Action<JsonlRecord> collect, Action<Action<Action<Utf8JsonWriter>>> emit, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(collect);
        ArgumentNullException.ThrowIfNull(emit);
        return Run(inputPath, outputPath, (record, _, _) => collect(record), (writer, output) => emit(write =>
        {
            write(writer);
            EndLine(writer, output);
        }), stderr);
    }

    private static void EndLine(Utf8JsonWriter writer, Stream output)
    {
        writer.Flush();
        writer.Reset();
        output.WriteByte((byte)'\n');
    }

    private static int Run(string inputPath, string outputPath, Action<JsonlRecord, Utf8JsonWriter, Stream> transform, Action<Utf8JsonWriter, Stream> after, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(inputPath);
        ArgumentNullException.ThrowIfNull(outputPath);
        ArgumentNullException.ThrowIfNull(stderr);
        if (!File.Exists(inputPath))
        {
            stderr.WriteLine($"error: {inputPath}: file not found");
            return 2;
        }

        var fullOutput = Path.GetFullPath(outputPath);
        var directory = Path.GetDirectoryName(fullOutput) ?? ".";
        if (!Directory.Exists(directory))
        {
            stderr.WriteLine($"error: {outputPath}: output folder does not exist");
            return 2;
        }

        var tempPath = Path.Combine(directory, $".{Path.GetFileName(fullOutput)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var lineNumber = new LineCounter();
        try
        {
            using (var input = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
            using (var output = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new Utf8JsonWriter(output, WriterOptions))
            {
                ReadRecords(input, lineNumber, record => transform(record, writer, output));
                after(writer, output);
            }

            File.Move(tempPath, fullOutput, overwrite: true);
            return 0;
        }
        catch (JsonlInputException ex)
        {
            TryDelete(tempPath);
            stderr.WriteLine($"error: {inputPath} line {lineNumber.Value}: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(tempPath);
            stderr.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    private sealed class LineCounter
    {
        public long Value { get; set; }
    }

    /// <summary>Parses each non-blank line as a JSON object and hands it to <paramref name="onRecord"/>; the counter tracks the line.</summary>
    private static void ReadRecords(Stream input, LineCounter lineNumber, Action<JsonlRecord> onRecord)
    {
        using var reader = new Utf8LineReader(input);
        while (reader.TryReadLine(out var line))
        {
            lineNumber.Value++;
            var bytes = line.Span;
            if (lineNumber.Value == 1 && bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                line = line[3..];
                bytes = line.Span;
            }

            if (bytes.Length > 0 && bytes[^1] == (byte)'\r')
            {
                line = line[..^1];
                bytes = line.Span;
            }

            if (IsBlank(bytes))
            {
                continue;
            }

            if (!Utf8.IsValid(bytes))
            {
                throw new JsonlInputException("invalid UTF-8");
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line, DocumentOptions);
            }
            catch (JsonException ex)
            {
                throw new JsonlInputException($"invalid JSON ({FirstSentence(ex.Message)})");
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new JsonlInputException("expected a JSON object");
                }

                onRecord(new JsonlRecord(document.RootElement, lineNumber.Value));
            }
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                return false;
            }
        }

        return true;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a stray temp file is harmless and never has the output's name.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }

    /// <summary>Splits a byte stream into lines on '\n' without decoding; each line is valid until the next call.</summary>
    private sealed class Utf8LineReader(Stream stream) : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        private int _start;
        private int _end;
        private bool _eof;

        public bool TryReadLine(out ReadOnlyMemory<byte> line)
        {
            var scanFrom = _start;
            while (true)
            {
                var newline = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    var at = scanFrom + newline;
                    line = _buffer.AsMemory(_start, at - _start);
                    _start = at + 1;
                    return true;
                }

                if (_eof)
                {
                    if (_start < _end)
                    {
                        line = _buffer.AsMemory(_start, _end - _start);
                        _start = _end;
                        return true;
                    }

                    line = default;
                    return false;
                }

                // Make room: compact, and grow when one line fills the whole buffer.
                var pending = _end - _start;
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
                    _start = 0;
                    _end = pending;
                }

                if (_end == _buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                    Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
                    ArrayPool<byte>.Shared.Return(_buffer);
                    _buffer = bigger;
                }

                scanFrom = _end;
                var read = stream.Read(_buffer, _end, _buffer.Length - _end);
                if (read == 0)
                {
                    _eof = true;
                }

                _end += read;
            }
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
