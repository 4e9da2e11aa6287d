using Parquet;
using Parquet.Schema;

namespace DeepFinance.Core.Release.Export;

/// <summary>
/// The flat rows as typed Parquet columns (DeepMath-style question, final_answer, reasoning, answer, plus lineage),
/// buffered one row group at a time and written when the group is full.
/// </summary>
internal sealed class ParquetSink : IExportSink
{
    private readonly FileStream _file;
    private readonly ParquetColumn[] _columns = Columns();
    private readonly ParquetSchema _schema;
    private readonly int _groupSize;
    private readonly IReadOnlyDictionary<string, string> _metadata;
    private ParquetWriter? _writer;
    private int _buffered;

    public ParquetSink(string path, int rowGroupSize, IReadOnlyDictionary<string, string> metadata)
    {
        FileName = Path.GetFileName(path);
        _groupSize = Math.Max(1, rowGroupSize);
        _metadata = metadata;
        // Parquet.Net writes only the very field objects a schema was built from: this sink's own.
        _schema = new ParquetSchema(_columns.Select(c => c.Field));
        _file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        foreach (var column in _columns)
        {
            column.Reset(_groupSize);
        }
    }

    /// <summary>The schema every Parquet export has, in column order (to describe it; each sink writes with its own copy).</summary>
    public static ParquetSchema Schema { get; } = new(Columns().Select(c => c.Field));

    public string FileName { get; }

    public long Rows { get; private set; }

    public async ValueTask WriteAsync(ExportRow row, CancellationToken ct)
    {
        foreach (var column in _columns)
        {
            column.Add(row, _buffered);
        }
        _buffered++;
        Rows++;
        if (_buffered == _groupSize)
        {
            await FlushGroupAsync(ct);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken ct)
    {
        if (_buffered > 0 || _writer is null)
        {
            await FlushGroupAsync(ct);
        }
        await _writer!.DisposeAsync();
        _writer = null;
        await _file.FlushAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
        await _file.DisposeAsync();
    }

    private async Task FlushGroupAsync(CancellationToken ct)
    {
        if (_writer is null)
        {
            _writer = await ParquetWriter.CreateAsync(_schema, _file, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, cancellationToken: ct);
            _writer.CustomMetadata = new Dictionary<string, string>(_metadata);
        }
        using (var group = _writer.CreateRowGroup())
        {
            foreach (var column in _columns)
            {
                await column.WriteAsync(group, _buffered, ct);
            }
        }
        foreach (var column in _columns)
        {
            column.Reset(_groupSize);
        }
        _buffered = 0;
    }

    private static ParquetColumn[] Columns() =>
    [
        new StringColumn("id", false, r => $"t{r.TraceId}"),
        new ValueColumn<long>("trace_id", r => r.TraceId),
        new ValueColumn<long>("question_id", r => r.QuestionId),
        new StringColumn("kind", false, r => r.Kind),
        new StringColumn("question", false, r => r.Question),
        new StringColumn("options", true, r => r.Options is null ? null : System.Text.Json.JsonSerializer.Serialize(r.Options)),
        new StringColumn("final_answer", true, r => r.FinalAnswer),
        new StringColumn("reasoning", false, r => r.Reasoning),
        new StringColumn("answer", false, r => r.Answer),
        new StringColumn("task_type", true, r => r.TaskType),
        new StringColumn("difficulty", true, r => r.Difficulty),
        new StringColumn("difficulty_source", true, r => r.DifficultySource),
        new NullableColumn<double>("pass_rate", r => r.PassRate),
        new ValueColumn<int>("verified_samples", r => r.VerifiedSamples),
        new StringColumn("origin", false, r => r.Origin),
        new StringColumn("language", false, r => r.Language),
        new NullableColumn<long>("parent_question_id", r => r.ParentQuestionId),
        new NullableColumn<long>("seed_item_id", r => r.SeedItemId),
        new StringColumn("perturbation", true, r => r.Perturbation),
        new ValueColumn<long>("run_id", r => r.RunId),
        new StringColumn("synthesizer", false, r => r.Synthesizer),
        new StringColumn("model", false, r => r.Model),
        new ValueColumn<int>("template_version", r => r.TemplateVersion),
        new ValueColumn<int>("sample_index", r => r.SampleIndex),
        new ValueColumn<int>("round", r => r.Round),
        new NullableColumn<long>("parent_trace_id", r => r.ParentTraceId),
        new StringColumn("request_hash", false, r => r.RequestHash),
        new NullableColumn<long>("review_id", r => r.ReviewId),
        new NullableColumn<long>("original_trace_id", r => r.OriginalTraceId),
    ];

    private abstract class ParquetColumn
    {
        public abstract DataField Field { get; }

        public abstract void Reset(int capacity);

        public abstract void Add(ExportRow row, int index);

        public abstract Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken ct);
    }

    private sealed class StringColumn(string name, bool nullable, Func<ExportRow, string?> get) : ParquetColumn
    {
        private List<string> _values = [];

        public override DataField Field { get; } = new DataField<string>(name, nullable);

        public override void Reset(int capacity) => _values = new List<string>(capacity);

        public override void Add(ExportRow row, int index) => _values.Add(get(row)!);

        public override Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken ct) => group.WriteAsync(Field, _values, null);
    }

    private sealed class ValueColumn<T>(string name, Func<ExportRow, T> get) : ParquetColumn where T : struct
    {
        private T[] _values = [];

        public override DataField Field { get; } = new DataField<T>(name, false);

        public override void Reset(int capacity)
        {
            if (_values.Length != capacity)
            {
                _values = new T[capacity];
            }
        }

        public override void Add(ExportRow row, int index) => _values[index] = get(row);

        public override Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken ct) =>
            group.WriteAsync<T>(Field, new ReadOnlyMemory<T>(_values, 0, count), null, null, ct);
    }

    private sealed class NullableColumn<T>(string name, Func<ExportRow, T?> get) : ParquetColumn where T : struct
    {
        private T?[] _values = [];

        public override DataField Field { get; } = new DataField<T?>(name, true);

        public override void Reset(int capacity)
        {
            if (_values.Length != capacity)
            {
                _values = new T?[capacity];
            }
        }

        public override void Add(ExportRow row, int index) => _values[index] = get(row);

        public override Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken ct) =>
            group.WriteAsync<T>(Field, new ReadOnlyMemory<T?>(_values, 0, count), null, null, ct);
    }
}
