using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeepFinance.Core.Release.Export;

/// <summary>Counts taken from the rows as they are exported, so the card describes the files and nothing else.</summary>
public sealed class ExportCounts
{
    public long Rows { get; private set; }
    public SortedDictionary<string, long> ByKind { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> ByTaskType { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> ByDifficulty { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> ByOrigin { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> ByLanguage { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> BySynthesizer { get; } = new(StringComparer.Ordinal);
    /// <summary>Accepted rewrites whose flawed original could not go into a preference pair (missing, or changed by a PII fix).</summary>
    public long RewritesWithoutPair { get; private set; }

    internal void Add(ExportRow row)
    {
        Rows++;
        Bump(ByKind, row.Kind);
        Bump(ByTaskType, row.TaskType ?? "unknown");
        Bump(ByDifficulty, row.Difficulty ?? "unknown");
        Bump(ByOrigin, row.Origin);
        Bump(ByLanguage, row.Language);
        Bump(BySynthesizer, $"{row.Synthesizer} ({row.Model})");
        if (row.Kind == "accepted_rewrite" && string.IsNullOrWhiteSpace(row.OriginalAnswer))
        {
            RewritesWithoutPair++;
        }
    }

    private static void Bump(SortedDictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
}

/// <summary>One file of an export, as the card lists it.</summary>
public sealed record ExportedFile(string Name, string? Format, long Rows, long Bytes, string Sha256);

/// <summary>
/// README.md for the export folder: a YAML header a dataset hub reads (licence, languages, configs, features, counts,
/// withheld categories, method) and a body with the same counts, the file list with SHA-256, the selection and changelog.
/// </summary>
internal static class DatasetCard
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Render(Data.Release release, ExportCounts counts, IReadOnlyList<ExportedFile> files, long pairs, DateTimeOffset at)
    {
        var withheld = Withheld(release.SelectionJson);
        var license = string.IsNullOrWhiteSpace(release.License) ? "other" : release.License.Trim();
        var card = new StringBuilder();
        card.Append("---\n");
        card.Append("pretty_name: ").Append(Q($"DeepFinance {release.Version}")).Append('\n');
        card.Append("license: ").Append(Q(license)).Append('\n');
        card.Append("language:\n");
        foreach (var language in counts.ByLanguage.Keys)
        {
            card.Append("- ").Append(Q(language)).Append('\n');
        }
        card.Append("task_categories:\n- text-generation\n- question-answering\n");
        card.Append("tags:\n- finance\n- chain-of-thought\n- reasoning\n");
        card.Append("size_categories:\n- ").Append(SizeCategory(counts.Rows)).Append('\n');
        card.Append("configs:\n");
        foreach (var file in files.Where(f => f.Format is not null))
        {
            card.Append("- config_name: ").Append(file.Format).Append('\n');
            card.Append("  data_files:\n  - split: train\n    path: ").Append(file.Name).Append('\n');
        }
        if (files.Any(f => f.Format is "parquet" or "flat"))
        {
            card.Append("dataset_info:\n  features:\n");
            foreach (var field in ParquetSink.Schema.DataFields)
            {
                card.Append("  - name: ").Append(field.Name).Append("\n    dtype: ").Append(Dtype(field.ClrType)).Append('\n');
            }
            card.Append("  splits:\n  - name: train\n    num_examples: ").Append(counts.Rows.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        card.Append("deepfinance:\n");
        card.Append("  release: ").Append(Q(release.Version)).Append('\n');
        card.Append("  release_id: ").Append(release.Id.ToString(CultureInfo.InvariantCulture)).Append('\n');
        card.Append("  exported_at: ").Append(Q(at.ToString("O", CultureInfo.InvariantCulture))).Append('\n');
        card.Append("  method: \"DeepFinance-300K: multi-perspective knowledge extraction (Q2A, A2Q, T2Q, real-world queries), CoT sampling, rule and judge verification, self-correction rewriting with human review\"\n");
        card.Append("  withheld_categories: ").Append(JsonSerializer.Serialize(withheld, Json)).Append('\n');
        card.Append("  counts:\n");
        card.Append("    rows: ").Append(counts.Rows.ToString(CultureInfo.InvariantCulture)).Append('\n');
        card.Append("    preference_pairs: ").Append(pairs.ToString(CultureInfo.InvariantCulture)).Append('\n');
        card.Append("    by_kind: ").Append(JsonSerializer.Serialize(counts.ByKind, Json)).Append('\n');
        card.Append("    by_task_type: ").Append(JsonSerializer.Serialize(counts.ByTaskType, Json)).Append('\n');
        card.Append("    by_difficulty: ").Append(JsonSerializer.Serialize(counts.ByDifficulty, Json)).Append('\n');
        card.Append("    by_origin: ").Append(JsonSerializer.Serialize(counts.ByOrigin, Json)).Append('\n');
        card.Append("---\n\n");

        card.Append("# DeepFinance ").Append(release.Version);
        if (!string.IsNullOrWhiteSpace(release.Title))
        {
            card.Append(" — ").Append(release.Title.Trim());
        }
        card.Append("\n\n");
        card.Append("Financial questions with chain-of-thought answers, built with the DeepFinance-300K method: questions curated from seed ")
            .Append("corpora (Q2A), counterfactual variants (A2Q), questions mined from verified reasoning (T2Q) and desensitized, expert-annotated ")
            .Append("real-world queries; answers sampled from reasoning models and verified against reference answers; failed answers corrected by ")
            .Append("self-correction rewriting and accepted by human reviewers. Each row is one verified trace or one accepted rewrite.\n\n");
        card.Append(CultureInfo.InvariantCulture, $"{counts.Rows:N0} rows, {pairs:N0} preference pairs. Exported {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC.\n\n");

        Table(card, "Kind", counts.ByKind);
        Table(card, "Task type", counts.ByTaskType);
        Table(card, "Difficulty", counts.ByDifficulty);
        Table(card, "Origin", counts.ByOrigin);
        Table(card, "Language", counts.ByLanguage);
        Table(card, "Synthesizer (model)", counts.BySynthesizer);

        card.Append("## Files\n\n| file | format | rows | bytes | sha256 |\n|---|---|---|---|---|\n");
        foreach (var file in files)
        {
            card.Append("| ").Append(file.Name).Append(" | ").Append(file.Format ?? "—").Append(" | ").Append(file.Rows.ToString(CultureInfo.InvariantCulture))
                .Append(" | ").Append(file.Bytes.ToString(CultureInfo.InvariantCulture)).Append(" | `").Append(file.Sha256).Append("` |\n");
        }
        card.Append("\nCheck a download with `sha256sum -c` against this table. The formats and how to load each in a trainer are described in the project's `docs/exports.md`.\n\n");

        card.Append("## Licence and notes\n\n");
        card.Append("- Licence of this release: ").Append(license).Append(".\n");
        card.Append("- Seed corpora keep their own licences; check them before redistributing rows whose origin is Q2A, A2Q or T2Q.\n");
        card.Append("- Withheld categories: ").Append(withheld.Count == 0 ? "none" : string.Join(", ", withheld)).Append(".\n");
        card.Append("- Every question, trace and rewrite was scanned for personal data before export; hits were fixed or waived with a reason.\n");
        if (counts.RewritesWithoutPair > 0)
        {
            card.Append("- ").Append(counts.RewritesWithoutPair.ToString(CultureInfo.InvariantCulture))
                .Append(" accepted rewrites have no preference pair: their flawed original is missing or was changed by a PII fix.\n");
        }
        card.Append('\n');
        card.Append("## Selection\n\n```json\n").Append(release.SelectionJson.Trim()).Append("\n```\n");
        if (!string.IsNullOrWhiteSpace(release.Changelog))
        {
            card.Append("\n## Changelog\n\n").Append(release.Changelog.Trim()).Append('\n');
        }
        return card.ToString();
    }

    /// <summary>The withheld categories from the release's selection, read leniently: any string array under a property named like "withheld".</summary>
    internal static List<string> Withheld(string selectionJson)
    {
        var found = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(selectionJson);
            Walk(doc.RootElement, found);
        }
        catch (JsonException)
        {
            // A selection that is not JSON names no withheld categories; the card shows it as written.
        }
        return found;
    }

    private static void Walk(JsonElement element, List<string> found)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.Contains("withheld", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.Array)
            {
                found.AddRange(property.Value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!));
            }
            else
            {
                Walk(property.Value, found);
            }
        }
    }

    private static void Table(StringBuilder card, string title, SortedDictionary<string, long> counts)
    {
        card.Append("## By ").Append(title.ToLowerInvariant()).Append("\n\n| ").Append(title.ToLowerInvariant()).Append(" | rows |\n|---|---|\n");
        foreach (var (key, value) in counts)
        {
            card.Append("| ").Append(key.Replace("|", "\\|", StringComparison.Ordinal)).Append(" | ").Append(value.ToString(CultureInfo.InvariantCulture)).Append(" |\n");
        }
        card.Append('\n');
    }

    private static string Q(string text) => JsonSerializer.Serialize(text, Json);

    private static string Dtype(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(long) => "int64",
        var t when t == typeof(int) => "int32",
        var t when t == typeof(double) => "float64",
        _ => "string",
    };

    private static string SizeCategory(long rows) => rows switch
    {
        < 1_000 => "n<1K",
        < 10_000 => "1K<n<10K",
        < 100_000 => "10K<n<100K",
        < 1_000_000 => "100K<n<1M",
        _ => "1M<n<10M",
    };
}
