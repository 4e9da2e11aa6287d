using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DeepFinance.Core.Release.Export;

/// <summary>One output file fed row by row during the single pass over a release.</summary>
internal interface IExportSink : IAsyncDisposable
{
    string FileName { get; }

    /// <summary>Records written so far (a preference-pair file skips items without a pair).</summary>
    long Rows { get; }

    ValueTask WriteAsync(ExportRow row, CancellationToken ct);

    ValueTask CompleteAsync(CancellationToken ct);
}

/// <summary>
/// JSON Lines, or a JSON array with one element per line; rows are gathered in a small buffer and written out
/// asynchronously, so the same sink feeds a file or an HTTP response (which allows no synchronous writes).
/// </summary>
internal abstract class JsonRowSink : IExportSink
{
    private const int FlushAt = 1 << 16;
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Stream _out;
    private readonly bool _ownsStream;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushAt * 2);
    private readonly Utf8JsonWriter _writer;
    private readonly bool _array;

    protected JsonRowSink(Stream destination, string fileName, bool array, bool ownsStream)
    {
        FileName = fileName;
        _array = array;
        _out = destination;
        _ownsStream = ownsStream;
        _writer = new Utf8JsonWriter(_buffer, WriterOptions);
        if (array)
        {
            Raw("["u8);
        }
    }

    public string FileName { get; }

    public long Rows { get; private set; }

    public async ValueTask WriteAsync(ExportRow row, CancellationToken ct)
    {
        if (!Accepts(row))
        {
            return;
        }
        if (_array)
        {
            Raw(Rows > 0 ? ",\n"u8 : "\n"u8);
        }
        _writer.WriteStartObject();
        Write(_writer, row);
        _writer.WriteEndObject();
        _writer.Flush();
        _writer.Reset();
        if (!_array)
        {
            Raw("\n"u8);
        }
        Rows++;
        if (_buffer.WrittenCount >= FlushAt)
        {
            await DrainAsync(ct);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken ct)
    {
        if (_array)
        {
            Raw("\n]\n"u8);
        }
        await DrainAsync(ct);
        await _out.FlushAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        if (_ownsStream)
        {
            await _out.DisposeAsync();
        }
    }

    private void Raw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    private async ValueTask DrainAsync(CancellationToken ct)
    {
        if (_buffer.WrittenCount > 0)
        {
            await _out.WriteAsync(_buffer.WrittenMemory, ct);
            _buffer.ResetWrittenCount();
        }
    }

    protected virtual bool Accepts(ExportRow row) => true;

    protected abstract void Write(Utf8JsonWriter w, ExportRow row);

    protected static void WriteOptions(Utf8JsonWriter w, ExportRow row)
    {
        w.WritePropertyName("options");
        if (row.Options is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartArray();
        foreach (var option in row.Options)
        {
            w.WriteStringValue(option);
        }
        w.WriteEndArray();
    }

    protected static void WriteNumber(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    protected static void WriteNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>What every row-per-item format carries besides its own fields: identity, type and lineage.</summary>
    protected static void WriteMetadata(Utf8JsonWriter w, ExportRow row)
    {
        w.WriteNumber("trace_id", row.TraceId);
        w.WriteNumber("question_id", row.QuestionId);
        w.WriteString("kind", row.Kind);
        w.WriteString("task_type", row.TaskType);
        w.WriteString("difficulty", row.Difficulty);
        w.WriteString("difficulty_source", row.DifficultySource);
        WriteNumber(w, "pass_rate", row.PassRate);
        w.WriteNumber("verified_samples", row.VerifiedSamples);
        w.WriteString("origin", row.Origin);
        w.WriteString("language", row.Language);
        WriteNumber(w, "parent_question_id", row.ParentQuestionId);
        WriteNumber(w, "seed_item_id", row.SeedItemId);
        w.WriteString("perturbation", row.Perturbation);
        w.WriteNumber("run_id", row.RunId);
        w.WriteString("synthesizer", row.Synthesizer);
        w.WriteString("model", row.Model);
        w.WriteNumber("template_version", row.TemplateVersion);
        w.WriteNumber("sample_index", row.SampleIndex);
        w.WriteNumber("round", row.Round);
        WriteNumber(w, "parent_trace_id", row.ParentTraceId);
        w.WriteString("request_hash", row.RequestHash);
        WriteNumber(w, "review_id", row.ReviewId);
        WriteNumber(w, "original_trace_id", row.OriginalTraceId);
    }

    protected static string RowId(ExportRow row) => $"t{row.TraceId}";
}

/// <summary><c>{"id","messages":[system?, user, assistant{content, reasoning_content}], …metadata}</c>.</summary>
internal sealed class ChatSink(Stream destination, string fileName, bool ownsStream, ReleaseExportOptions options) : JsonRowSink(destination, fileName, array: false, ownsStream)
{
    protected override void Write(Utf8JsonWriter w, ExportRow row)
    {
        w.WriteString("id", RowId(row));
        w.WriteStartArray("messages");
        if (options.SystemPrompt is { } system)
        {
            Message(w, "system", system);
        }
        Message(w, "user", row.Prompt);
        w.WriteStartObject();
        w.WriteString("role", "assistant");
        if (options.ThinkInline)
        {
            w.WriteString("content", row.ThinkAndAnswer);
        }
        else
        {
            w.WriteString("content", row.Answer);
            w.WriteString("reasoning_content", row.Reasoning);
        }
        w.WriteEndObject();
        w.WriteEndArray();
        WriteMetadata(w, row);
    }

    private static void Message(Utf8JsonWriter w, string role, string content)
    {
        w.WriteStartObject();
        w.WriteString("role", role);
        w.WriteString("content", content);
        w.WriteEndObject();
    }
}

/// <summary>One flat row per item: DeepMath-style question, final_answer, reasoning and answer, with every metadata column.</summary>
internal sealed class FlatSink(Stream destination, string fileName, bool ownsStream) : JsonRowSink(destination, fileName, array: false, ownsStream)
{
    protected override void Write(Utf8JsonWriter w, ExportRow row)
    {
        w.WriteString("id", RowId(row));
        w.WriteString("question", row.Question);
        WriteOptions(w, row);
        w.WriteString("final_answer", row.FinalAnswer);
        w.WriteString("reasoning", row.Reasoning);
        w.WriteString("answer", row.Answer);
        WriteMetadata(w, row);
    }
}

/// <summary>Alpaca as LLaMA-Factory reads it: instruction, input, output (think block then answer), system.</summary>
internal sealed class AlpacaSink(Stream destination, string fileName, bool ownsStream, ReleaseExportOptions options) : JsonRowSink(destination, fileName, array: true, ownsStream)
{
    protected override void Write(Utf8JsonWriter w, ExportRow row)
    {
        w.WriteString("id", RowId(row));
        w.WriteString("instruction", row.Prompt);
        w.WriteString("input", "");
        w.WriteString("output", row.ThinkAndAnswer);
        if (options.SystemPrompt is { } system)
        {
            w.WriteString("system", system);
        }
        w.WriteString("kind", row.Kind);
        w.WriteString("task_type", row.TaskType);
        w.WriteString("difficulty", row.Difficulty);
        w.WriteString("origin", row.Origin);
    }
}

/// <summary>ShareGPT: conversations of {from: system|human|gpt, value}.</summary>
internal sealed class ShareGptSink(Stream destination, string fileName, bool ownsStream, ReleaseExportOptions options) : JsonRowSink(destination, fileName, array: true, ownsStream)
{
    protected override void Write(Utf8JsonWriter w, ExportRow row)
    {
        w.WriteString("id", RowId(row));
        w.WriteStartArray("conversations");
        if (options.SystemPrompt is { } system)
        {
            Turn(w, "system", system);
        }
        Turn(w, "human", row.Prompt);
        Turn(w, "gpt", row.ThinkAndAnswer);
        w.WriteEndArray();
        w.WriteString("kind", row.Kind);
        w.WriteString("task_type", row.TaskType);
        w.WriteString("difficulty", row.Difficulty);
        w.WriteString("origin", row.Origin);
    }

    private static void Turn(Utf8JsonWriter w, string from, string value)
    {
        w.WriteStartObject();
        w.WriteString("from", from);
        w.WriteString("value", value);
        w.WriteEndObject();
    }
}

/// <summary>Preference pairs from accepted rewrites: prompt; chosen = the accepted rewrite; rejected = the flawed original.</summary>
internal sealed class DpoSink(Stream destination, string fileName, bool ownsStream, ReleaseExportOptions options) : JsonRowSink(destination, fileName, array: false, ownsStream)
{
    protected override bool Accepts(ExportRow row) =>
        row.Kind == "accepted_rewrite" && row.OriginalTraceId is not null && !string.IsNullOrWhiteSpace(row.OriginalAnswer);

    protected override void Write(Utf8JsonWriter w, ExportRow row)
    {
        w.WriteString("id", RowId(row));
        if (options.SystemPrompt is { } system)
        {
            w.WriteString("system", system);
        }
        w.WriteString("prompt", row.Prompt);
        w.WriteString("chosen", row.ThinkAndAnswer);
        w.WriteString("rejected", ExportRow.Think(row.OriginalReasoning ?? "", row.OriginalAnswer!));
        w.WriteNumber("trace_id", row.TraceId);
        w.WriteNumber("original_trace_id", row.OriginalTraceId!.Value);
        w.WriteNumber("question_id", row.QuestionId);
        WriteNumber(w, "review_id", row.ReviewId);
        w.WriteString("task_type", row.TaskType);
        w.WriteString("difficulty", row.Difficulty);
    }
}
