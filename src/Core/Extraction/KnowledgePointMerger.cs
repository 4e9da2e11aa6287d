using DeepFinance.Core.Curation;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Extraction;

/// <summary>
/// Decides which knowledge point a mined statement belongs to, so the same formula mined from many traces is one point.
/// Curation's normaliser gives the key (equal for wordings that differ in width, case, punctuation, fillers and number
/// formatting); curation's duplicate index finds near duplicates, which merge into the earlier point's key. The index is
/// loaded from the database on first use and then grows in memory under a lock, so concurrent partitions agree; the
/// unique key in the database makes an exact duplicate merge even across processes.
/// </summary>
public sealed class KnowledgePointMerger(IDbContextFactory<DeepFinanceDbContext> dbFactory, IDuplicateDetector detector, TextNormalizer normalizer)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<string> _keys = [];
    private DuplicateIndex? _index;

    /// <summary>The stored key of a statement on its own: the normalised text (the trimmed text when nothing survives normalising).</summary>
    public string KeyOf(string statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var key = normalizer.Key(statement);
        return Cut(key.Length == 0 ? statement.Trim().ToLowerInvariant() : key);
    }

    /// <summary>The key of the point <paramref name="statement"/> merges into: an earlier exact or near duplicate's, or its own.</summary>
    public async Task<string> ResolveAsync(string statement, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(statement);
        await _gate.WaitAsync(ct);
        try
        {
            if (_index is null)
            {
                var index = detector.CreateIndex();
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                await foreach (var p in db.KnowledgePoints.AsNoTracking().OrderBy(p => p.Id).Select(p => new { p.Key, p.Text }).AsAsyncEnumerable().WithCancellation(ct))
                {
                    var (_, known) = index.Add(p.Text);
                    _keys.Add(known.Count > 0 ? _keys[known.Min(m => m.Ordinal)] : p.Key);
                }
                _index = index;
            }
            var (_, matches) = _index.Add(statement);
            var key = matches.Count > 0 ? _keys[matches.Min(m => m.Ordinal)] : KeyOf(statement);
            _keys.Add(key);
            return key;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The kind a model named ("formula", "market convention", "regulatory fact", …), or <see cref="KnowledgePointKind.Other"/>.</summary>
    public static KnowledgePointKind KindOf(string? kind)
    {
        var k = (kind ?? "").Trim().ToLowerInvariant();
        return k switch
        {
            _ when k.StartsWith("formula", StringComparison.Ordinal) || k == "公式" => KnowledgePointKind.Formula,
            _ when k.StartsWith("rule", StringComparison.Ordinal) || k == "规则" => KnowledgePointKind.Rule,
            _ when k.StartsWith("definition", StringComparison.Ordinal) || k == "定义" => KnowledgePointKind.Definition,
            _ when k.Contains("convention", StringComparison.Ordinal) || k == "市场惯例" || k == "惯例" => KnowledgePointKind.Convention,
            _ when k.StartsWith("regulat", StringComparison.Ordinal) || k.Contains("监管", StringComparison.Ordinal) => KnowledgePointKind.Regulation,
            _ => KnowledgePointKind.Other,
        };
    }

    private static string Cut(string text) => text.Length <= 2000 ? text : text[..2000];
}
