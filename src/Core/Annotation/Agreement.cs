using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Annotation;

/// <summary>Agreement between two experts on task type.</summary>
public sealed record PairAgreement(string ExpertA, string ExpertB, int Items, double PercentAgreement, double? CohensKappa);

/// <summary>Agreement over all items on one field or one tag: the share of items where all raters agree, and a chance-corrected figure.</summary>
public sealed record FieldAgreement(string Field, int Items, double PercentAgreement, double? Coefficient, string Measure);

public sealed record AgreementReport(int ItemsWithSeveralRaters, IReadOnlyList<FieldAgreement> Fields, IReadOnlyList<FieldAgreement> Tags,
    IReadOnlyList<PairAgreement> Pairs, int Disagreements, IReadOnlyList<long> Adjudicating);

/// <summary>
/// Inter-annotator agreement over the experts' own annotations (never adjudications): Fleiss' kappa on task type and usability,
/// Krippendorff's alpha (ordinal) on difficulty, Cohen's kappa for each pair of experts, and per capability tag a kappa on
/// chosen/not chosen. Items with fewer than two annotations do not count.
/// </summary>
public sealed class AgreementQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    public async Task<AgreementReport> ReportAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Annotations.AsNoTracking().Where(a => !a.IsAdjudication).ToListAsync(ct);
        var adjudicating = await db.RealWorldQueries.AsNoTracking().Where(q => q.Status == RealWorldQueryStatus.Adjudicating).OrderBy(q => q.Id)
            .Select(q => q.Id).Take(500).ToListAsync(ct);
        var tagNames = await db.CapabilityTags.AsNoTracking().Select(t => t.Name).ToListAsync(ct);
        return Compute(rows, adjudicating, tagNames);
    }

    public static AgreementReport Compute(IReadOnlyList<Data.Annotation> annotations, IReadOnlyList<long> adjudicating, IReadOnlyList<string> tagNames)
    {
        var items = annotations.GroupBy(a => a.QueryId).Where(g => g.Select(a => a.Expert).Distinct().Count() >= 2)
            .Select(g => g.GroupBy(a => a.Expert).Select(e => e.OrderBy(a => a.At).Last()).ToList()).ToList();
        var fields = new List<FieldAgreement>();
        var usableItems = items.Select(i => i.Where(a => a.Usable).ToList()).Where(i => i.Count >= 2).ToList();
        fields.Add(Nominal("taskType", usableItems.Select(i => i.Select(a => (int)a.TaskType.GetValueOrDefault()).ToList()).ToList()));
        fields.Add(Nominal("usable", items.Select(i => i.Select(a => a.Usable ? 1 : 0).ToList()).ToList()));
        var difficulty = usableItems.Select(i => i.Where(a => a.Difficulty is not null).Select(a => (int)a.Difficulty!.Value).ToList()).Where(i => i.Count >= 2).ToList();
        fields.Add(new FieldAgreement("difficulty", difficulty.Count, Percent(difficulty), KrippendorffOrdinal(difficulty), "krippendorff-alpha-ordinal"));
        var tags = tagNames.Concat(items.SelectMany(i => i).SelectMany(Consensus.Tags)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(tag => Nominal(tag, items.Select(i => i.Select(a => Consensus.Tags(a).Contains(tag) ? 1 : 0).ToList()).ToList()))
            .Where(t => t.Items > 0).ToList();
        var pairs = new List<PairAgreement>();
        var experts = items.SelectMany(i => i.Select(a => a.Expert)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        for (var x = 0; x < experts.Count; x++)
        {
            for (var y = x + 1; y < experts.Count; y++)
            {
                var both = usableItems.Select(i => (A: i.FirstOrDefault(a => a.Expert == experts[x]), B: i.FirstOrDefault(a => a.Expert == experts[y])))
                    .Where(p => p.A is not null && p.B is not null).Select(p => ((int)p.A!.TaskType.GetValueOrDefault(), (int)p.B!.TaskType.GetValueOrDefault())).ToList();
                if (both.Count > 0)
                {
                    pairs.Add(new PairAgreement(experts[x], experts[y], both.Count, both.Count(p => p.Item1 == p.Item2) / (double)both.Count, CohensKappa(both)));
                }
            }
        }
        var disagreements = items.Count(i => Consensus.Of(i) is null);
        return new AgreementReport(items.Count, fields, tags, pairs, disagreements, adjudicating);
    }

    private static FieldAgreement Nominal(string field, List<List<int>> items) => new(field, items.Count, Percent(items), FleissKappa(items), "fleiss-kappa");

    /// <summary>Share of items on which every rater gave the same value.</summary>
    public static double Percent(IReadOnlyList<IReadOnlyList<int>> items) =>
        items.Count == 0 ? 0 : items.Count(i => i.Distinct().Count() == 1) / (double)items.Count;

    private static double Percent(List<List<int>> items) => Percent(items.Cast<IReadOnlyList<int>>().ToList());

    /// <summary>Cohen's kappa for two raters; null when chance agreement is total (one category only).</summary>
    public static double? CohensKappa(IReadOnlyList<(int A, int B)> pairs)
    {
        if (pairs.Count == 0)
        {
            return null;
        }
        double n = pairs.Count;
        var observed = pairs.Count(p => p.A == p.B) / n;
        var categories = pairs.SelectMany(p => new[] { p.A, p.B }).Distinct();
        var expected = categories.Sum(c => pairs.Count(p => p.A == c) / n * (pairs.Count(p => p.B == c) / n));
        return expected >= 1 ? null : (observed - expected) / (1 - expected);
    }

    /// <summary>Fleiss' kappa, in the form that lets items have different numbers of raters (each at least two).</summary>
    public static double? FleissKappa(IReadOnlyList<IReadOnlyList<int>> items)
    {
        var usable = items.Where(i => i.Count >= 2).ToList();
        if (usable.Count == 0)
        {
            return null;
        }
        var totalRatings = usable.Sum(i => i.Count);
        var observed = usable.Average(i =>
        {
            double m = i.Count;
            return i.GroupBy(v => v).Sum(g => g.Count() * (g.Count() - 1.0)) / (m * (m - 1));
        });
        var expected = usable.SelectMany(i => i).GroupBy(v => v).Sum(g => Math.Pow(g.Count() / (double)totalRatings, 2));
        return expected >= 1 ? null : (observed - expected) / (1 - expected);
    }

    private static double? FleissKappa(List<List<int>> items) => FleissKappa(items.Cast<IReadOnlyList<int>>().ToList());

    /// <summary>Krippendorff's alpha with the ordinal distance, over values 0..k-1; null when there is no variation at all.</summary>
    public static double? KrippendorffOrdinal(IReadOnlyList<IReadOnlyList<int>> units)
    {
        var pairable = units.Where(u => u.Count >= 2).ToList();
        if (pairable.Count == 0)
        {
            return null;
        }
        var values = pairable.SelectMany(u => u).Distinct().Order().ToList();
        var index = values.Select((v, i) => (v, i)).ToDictionary(x => x.v, x => x.i);
        var k = values.Count;
        var o = new double[k, k];
        foreach (var u in pairable)
        {
            double m = u.Count;
            for (var i = 0; i < u.Count; i++)
            {
                for (var j = 0; j < u.Count; j++)
                {
                    if (i != j)
                    {
                        o[index[u[i]], index[u[j]]] += 1 / (m - 1);
                    }
                }
            }
        }
        var nc = new double[k];
        for (var c = 0; c < k; c++)
        {
            for (var d = 0; d < k; d++)
            {
                nc[c] += o[c, d];
            }
        }
        var n = nc.Sum();
        double Delta(int c, int d)
        {
            var (lo, hi) = c <= d ? (c, d) : (d, c);
            double sum = 0;
            for (var g = lo; g <= hi; g++)
            {
                sum += nc[g];
            }
            return Math.Pow(sum - (nc[lo] + nc[hi]) / 2, 2);
        }
        double observed = 0, expected = 0;
        for (var c = 0; c < k; c++)
        {
            for (var d = 0; d < k; d++)
            {
                var delta = Delta(c, d);
                observed += o[c, d] * delta;
                expected += nc[c] * nc[d] * delta;
            }
        }
        if (expected == 0)
        {
            return null;
        }
        return 1 - (n - 1) * observed / expected;
    }

    private static double? KrippendorffOrdinal(List<List<int>> units) => KrippendorffOrdinal(units.Cast<IReadOnlyList<int>>().ToList());
}
