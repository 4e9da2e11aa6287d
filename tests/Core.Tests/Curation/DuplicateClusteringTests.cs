using System.Globalization;
using DeepFinance.Core.Curation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Tests.Curation;

/// <summary>Clusters, the keep rule, the registered service and its options, and a set too large for pairwise comparison.</summary>
public sealed class DuplicateClusteringTests
{
    [Fact]
    public void Duplicates_join_one_cluster_named_after_the_first_and_variants_stay_alone()
    {
        var result = DuplicateDetector.Create().Cluster(
        [
            new DedupItem("q1", "本金10万元存3年期定期，年利率2.6%，到期利息是多少？"),
            new DedupItem("q2", "本金20万元存3年期定期，年利率2.6%，到期利息是多少？"),
            new DedupItem("q3", "请问年利率2.6%，本金10万元存3年期定期，到期利息是多少?"),
            new DedupItem("q4", "本金10万元存3年期定期，年利率2.6%，到期本息合计是多少？"),
            new DedupItem("q5", "本金 10万元 存3年期定期 年利率2.6% 到期利息是多少"),
        ]);

        Assert.Equal(["q1", "q2", "q1", "q4", "q1"], result.Assignments.Select(a => a.ClusterId));
        Assert.Equal([true, true, false, true, false], result.Assignments.Select(a => a.Kept));
        Assert.Equal(["near", "exact"], new[] { result.Assignments[2].Rule!, result.Assignments[4].Rule! });
        Assert.Equal(3, result.KeptCount);
        Assert.Equal(2, result.DuplicateCount);
    }

    [Fact]
    public void The_keep_rule_prefers_origin_then_a_verified_trace_then_age()
    {
        var old = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        const string text = "What is the yield to maturity of a 2-year zero-coupon bond priced at $907?";
        var items = new[]
        {
            new DedupItem("t2q-new", text) { Origin = "t2q", Verified = true, CreatedAt = old.AddDays(9) },
            new DedupItem("a2q-unverified", "please " + text) { Origin = "a2q", CreatedAt = old },
            new DedupItem("q2a-new", text.ToUpperInvariant()) { Origin = "q2a", Verified = true, CreatedAt = old.AddDays(5) },
            new DedupItem("q2a-old", text + " ") { Origin = "q2a", Verified = true, CreatedAt = old.AddDays(1) },
            new DedupItem("q2a-old-unverified", " " + text) { Origin = "q2a", CreatedAt = old },
        };
        var detector = DuplicateDetector.Create();

        var byRule = detector.Cluster(items, KeepRule.ByOriginVerifiedAge(["q2a", "a2q", "t2q"]));
        Assert.Equal(["q2a-old"], byRule.Assignments.Where(a => a.Kept).Select(a => a.Id));
        Assert.All(byRule.Assignments, a => Assert.Equal("q2a-old", a.ClusterId));

        var firstSeen = detector.Cluster(items);
        Assert.Equal(["t2q-new"], firstSeen.Assignments.Where(a => a.Kept).Select(a => a.Id));
    }

    [Fact]
    public void A_repeated_id_is_refused_naming_it()
    {
        var ex = Assert.Throws<ArgumentException>(() => DuplicateDetector.Create().Cluster([new DedupItem("x", "a"), new DedupItem("x", "b")]));
        Assert.Contains("\"x\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_service_is_registered_with_bound_options_and_bad_settings_are_refused_naming_the_key()
    {
        static ServiceProvider Build(Dictionary<string, string?> settings)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            return new ServiceCollection().AddCuration(configuration).BuildServiceProvider();
        }

        using (var good = Build(new() { ["DeepFinance:Dedup:Bands"] = "20", ["DeepFinance:Dedup:Rows"] = "4" }))
        {
            Assert.Equal(20, good.GetRequiredService<IOptions<DedupOptions>>().Value.Bands);
            Assert.True(good.GetRequiredService<IDuplicateDetector>().Compare("请问存款保险最高赔付多少？", "存款保险最高赔付多少").IsDuplicate);
        }

        using (var zero = Build(new() { ["DeepFinance:Dedup:Bands"] = "0" }))
        {
            var ex = Assert.Throws<OptionsValidationException>(() => zero.GetRequiredService<IOptions<DedupOptions>>().Value);
            Assert.Contains("Bands", ex.Message, StringComparison.Ordinal);
        }

        using var huge = Build(new() { ["DeepFinance:Dedup:Bands"] = "200", ["DeepFinance:Dedup:Rows"] = "16" });
        var tooMany = Assert.Throws<OptionsValidationException>(() => huge.GetRequiredService<IOptions<DedupOptions>>().Value);
        Assert.Contains("DeepFinance:Dedup:Bands", tooMany.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// 50,000 generated questions: 5,000 value sets, each asked by five templates that share every number (hard
    /// negatives of one another: 等额本息 vs 等额本金首月, price vs duration, 利息 vs 本息合计), each question
    /// once plainly and once reworded (fillers, separators, case, a clause swap). Pairwise comparison would be 1.25
    /// billion checks; the index finishes and pairs every question exactly with its own rewording.
    /// </summary>
    [Fact]
    public void Fifty_thousand_questions_cluster_exactly_without_comparing_every_pair()
    {
        var items = new List<DedupItem>(50_000);
        var expected = new Dictionary<string, string>();
        for (var g = 0; g < 5_000; g++)
        {
            var principal = (100_000 + (g * 37)).ToString(CultureInfo.InvariantCulture);
            var grouped = (100_000 + (g * 37)).ToString("N0", CultureInfo.InvariantCulture);
            var years = (1 + (g % 30)).ToString(CultureInfo.InvariantCulture);
            var rate = (1 + (g % 700 / 100.0)).ToString("0.00", CultureInfo.InvariantCulture);
            var pairs = new (string Plain, string Reworded)[]
            {
                ($"贷款{principal}元，期限{years}年，年利率{rate}%，等额本息每月还款多少？", $"请问贷款{grouped}元,期限{years}年,年利率{rate}%,等额本息每月还款多少?"),
                ($"贷款{principal}元，期限{years}年，年利率{rate}%，等额本金首月还款多少？", $"麻烦算一下：贷款{grouped}元 期限{years}年 年利率{rate}% 等额本金首月还款多少"),
                ($"A {years}-year bond with a {rate}% annual coupon and a ${principal} face value is priced to yield 5%. What is its price?",
                    $"Please: a {years}-year bond with a {rate}% annual coupon and a ${grouped} face value is priced to yield 5%. what is its price"),
                ($"A {years}-year bond with a {rate}% annual coupon and a ${principal} face value is priced to yield 5%. What is its Macaulay duration?",
                    $"A {years}-YEAR BOND WITH A {rate}% ANNUAL COUPON AND A ${grouped} FACE VALUE IS PRICED TO YIELD 5%. WHAT IS ITS MACAULAY DURATION?"),
                ($"年利率{rate}%，本金{principal}元存{years}年期定期，到期利息是多少？", $"本金{grouped}元存{years}年期定期，年利率{rate}%，到期利息是多少？"),
            };
            for (var t = 0; t < pairs.Length; t++)
            {
                var id = $"g{g}-t{t}";
                items.Add(new DedupItem(id + "-a", pairs[t].Plain));
                items.Add(new DedupItem(id + "-b", pairs[t].Reworded));
                expected[id + "-a"] = id + "-a";
                expected[id + "-b"] = id + "-a";
            }
        }

        var result = DuplicateDetector.Create().Cluster(items);

        Assert.Equal(50_000, result.Assignments.Count);
        var wrong = result.Assignments.Where(a => expected[a.Id] != a.ClusterId).Take(5).Select(a => $"{a.Id} → {a.ClusterId}").ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
        Assert.Equal(25_000, result.KeptCount);
    }
}
