using System.ComponentModel.DataAnnotations;

namespace DeepFinance.Core.Ingest;

/// <summary>
/// How much input the platform takes in one piece (<c>DeepFinance:Limits</c>). Every size check — the web server's
/// body limit, the importer's line and field checks, the API's name fields — reads these numbers, so an operator
/// raises a limit in one place. Defaults leave room for any real seed corpus and refuse what only an attacker sends.
/// </summary>
public sealed class InputLimits
{
    public const string SectionName = "DeepFinance:Limits";

    /// <summary>Body limit of every route but the streaming imports (bytes).</summary>
    [Range(16 * 1024, 1L << 31)]
    public long MaxBodyBytes { get; set; } = 1L << 20;

    /// <summary>Body limit of the streaming seed import (bytes).</summary>
    [Range(1L << 20, 1L << 40)]
    public long MaxImportBytes { get; set; } = 1L << 30;

    /// <summary>One JSONL line or CSV physical line of an import (bytes); read with a bounded buffer.</summary>
    [Range(1024, 1L << 30)]
    public int MaxLineBytes { get; set; } = 1 << 20;

    /// <summary>A question, answer, option, id or source field (characters).</summary>
    [Range(16, 1 << 28)]
    public int MaxFieldChars { get; set; } = 200_000;

    /// <summary>A name: seed source, file name (characters).</summary>
    [Range(8, 100_000)]
    public int MaxNameChars { get; set; } = 200;

    /// <summary>A message naming the line that is too long, with both sizes written out.</summary>
    public static string LineTooLong(long bytes, long limit) =>
        $"the line is {bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes, over the "
        + $"{limit.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}-byte limit ({SectionName}:{nameof(MaxLineBytes)})";

    public static string FieldTooLong(long chars, long limit, string setting = nameof(MaxFieldChars)) =>
        $"is {chars.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} characters, over the "
        + $"{limit.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}-character limit ({SectionName}:{setting})";
}
