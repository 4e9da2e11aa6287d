namespace DeepFinance.Web.Tests.TestSupport;

/// <summary>
/// A read-only stream of <paramref name="length"/> bytes made on the fly (a prefix, then one repeated byte, then a
/// suffix), so a test can send hundreds of megabytes without ever holding them.
/// </summary>
public sealed class GeneratedStream(long length, byte fill = (byte)'a', byte[]? prefix = null, byte[]? suffix = null) : Stream
{
    private readonly byte[] _prefix = prefix ?? [];
    private readonly byte[] _suffix = suffix ?? [];
    private long _position;

    public long TotalLength => _prefix.Length + length + _suffix.Length;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => TotalLength;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = 0;
        while (n < buffer.Length && _position < TotalLength)
        {
            if (_position < _prefix.Length)
            {
                buffer[n++] = _prefix[_position++];
            }
            else if (_position < _prefix.Length + length)
            {
                var run = (int)Math.Min(buffer.Length - n, _prefix.Length + length - _position);
                buffer.Slice(n, run).Fill(fill);
                n += run;
                _position += run;
            }
            else
            {
                buffer[n++] = _suffix[_position++ - _prefix.Length - length];
            }
        }
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
