namespace DeepFinance.Core.Release.Export;

/// <summary>The formats a release exports to; <c>all</c> is every one of them in one pass.</summary>
public enum ExportFormat { Chat, Flat, Parquet, Alpaca, ShareGpt, Dpo }

public static class ExportFormats
{
    public static IReadOnlyList<ExportFormat> All { get; } = Enum.GetValues<ExportFormat>();

    /// <summary>The names the CLI and the API accept.</summary>
    public static string Names => string.Join(", ", All.Select(Name)) + ", all";

    public static string Name(ExportFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>The file each format writes into the output folder.</summary>
    public static string FileName(ExportFormat format) => format switch
    {
        ExportFormat.Chat => "chat.jsonl",
        ExportFormat.Flat => "flat.jsonl",
        ExportFormat.Parquet => "data.parquet",
        ExportFormat.Alpaca => "alpaca.json",
        ExportFormat.ShareGpt => "sharegpt.json",
        ExportFormat.Dpo => "dpo.jsonl",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>One format by name, or every format for <c>all</c>; anything else names the accepted values.</summary>
    public static IReadOnlyList<ExportFormat> Parse(string? text)
    {
        var name = text?.Trim().ToLowerInvariant();
        if (name == "all")
        {
            return All;
        }
        foreach (var format in All)
        {
            if (Name(format) == name)
            {
                return [format];
            }
        }
        throw new ReleaseExportException(string.IsNullOrWhiteSpace(text)
            ? $"Say which format to export: {Names}."
            : $"Format '{text}' is not one of {Names}.");
    }
}

/// <summary>How the conversation formats are written.</summary>
public sealed record ReleaseExportOptions
{
    /// <summary>A system turn put before every conversation; none when null.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>
    /// Chat JSONL only: false (default) keeps the reasoning in the assistant turn's own <c>reasoning_content</c> field;
    /// true writes it inside the content as <c>&lt;think&gt;…&lt;/think&gt;</c> before the answer.
    /// </summary>
    public bool ThinkInline { get; init; }

    /// <summary>Rows per Parquet row group (each group is buffered, then written).</summary>
    public int ParquetRowGroupSize { get; init; } = 5_000;

    /// <summary>Rows read from the database per query.</summary>
    public int PageSize { get; init; } = ReleaseRowReader.DefaultPageSize;
}
