using System.Text;

namespace DeepFinance.Core.Ingest;

/// <summary>
/// Reads a stream line by line with strict UTF-8 decoding, so a byte that is not UTF-8 is reported
/// on the line where it stands rather than silently replaced. A line longer than <paramref name="maxLineBytes"/> is
/// never held: the reader only counts the rest of it and reports its size on that line.
/// </summary>
public sealed class LineReader(Stream stream, int maxLineBytes = int.MaxValue)
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _line = new();
    private int _start;
    private int _end;
    private bool _eof;

    public int LineNumber { get; private set; }

    /// <summary>The next line without its terminator, or null at the end. Throws <see cref="LineDecodeException"/> on bad bytes.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken ct = default)
    {
        _line.SetLength(0);
        while (true)
        {
            if (_start == _end)
            {
                if (!_eof)
                {
                    _end = await stream.ReadAsync(_buffer, ct);
                    _start = 0;
                    _eof = _end == 0;
                }
                if (_eof)
                {
                    return _line.Length == 0 ? null : Emit();
                }
            }
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var take = (newline < 0 ? _end : newline) - _start;
            if (_line.Length + take > maxLineBytes)
            {
                await SkipRestOfLineAsync(_line.Length, ct);
            }
            _line.Write(_buffer, _start, take);
            if (newline < 0)
            {
                _start = _end;
                continue;
            }
            _start = newline + 1;
            return Emit();
        }
    }

    /// <summary>Counts the oversized line to its end without keeping it, then reports it.</summary>
    private async ValueTask SkipRestOfLineAsync(long counted, CancellationToken ct)
    {
        _line.SetLength(0);
        LineNumber++;
        while (true)
        {
            if (_start == _end)
            {
                _end = await stream.ReadAsync(_buffer, ct);
                _start = 0;
                if (_end == 0)
                {
                    _eof = true;
                    break;
                }
            }
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                counted += newline - _start;
                _start = newline + 1;
                break;
            }
            counted += _end - _start;
            _start = _end;
        }
        throw new LineDecodeException(LineNumber, DeepFinance.Core.Ingest.InputLimits.LineTooLong(counted, maxLineBytes));
    }

    private string Emit()
    {
        LineNumber++;
        var bytes = _line.GetBuffer().AsSpan(0, (int)_line.Length);
        if (bytes.Length > 0 && bytes[^1] == '\r')
        {
            bytes = bytes[..^1];
        }
        if (LineNumber == 1)
        {
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                bytes = bytes[3..];
            }
            else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
            {
                throw new LineDecodeException(LineNumber, "the file is UTF-16; save it as UTF-8");
            }
        }
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new LineDecodeException(LineNumber, $"not valid UTF-8 (byte {e.Index + 1} of the line); save the file as UTF-8");
        }
    }
}

public static class NonBlankLines
{
    /// <summary>
    /// The non-blank lines of a UTF-8 stream with their 1-based numbers. A line that does not decode (or is too long)
    /// ends the reading with one error naming its line, since nothing after it can be trusted to be split right.
    /// </summary>
    public static async IAsyncEnumerable<(int Line, string Text)> ReadAsync(Stream stream, int maxLineBytes, List<ImportError> errors,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var reader = new LineReader(stream, maxLineBytes);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(ct);
            }
            catch (LineDecodeException e)
            {
                errors.Add(new ImportError(e.Line, "", e.Message));
                yield break;
            }
            if (line is null)
            {
                yield break;
            }
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return (reader.LineNumber, line);
            }
        }
    }
}

public sealed class LineDecodeException(int line, string message) : Exception(message)
{
    public int Line { get; } = line;
}
