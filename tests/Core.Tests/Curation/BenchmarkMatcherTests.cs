using DeepFinance.Core.Curation;

namespace DeepFinance.Core.Tests.Curation;

/// <summary>
/// A benchmark item copied into the pool is found however it was lightly disguised; a pool question that only shares
/// financial vocabulary with an item is not.
/// </summary>
public sealed class BenchmarkMatcherTests
{
    public static readonly string[] Items =
    [
        "某公司2023年净利润为500万元，发行在外的普通股加权平均数为1000万股，则该公司的基本每股收益为多少元？",
        "下列关于商业银行流动性覆盖率的说法中，正确的是哪一项？A. 分子为合格优质流动性资产 B. 分母为未来一年的现金净流出 C. 监管要求不低于80% D. 仅适用于外资银行",
        "A bond with a face value of $1,000 pays an annual coupon of 6% and matures in 5 years. If the market yield is 8%, what is the price of the bond?",
        "Which of the following statements about the efficient market hypothesis in its semi-strong form is correct?",
        "What is EPS?",
    ];

    private static BenchmarkMatcher Build(DecontaminationOptions? options = null)
    {
        var matcher = new BenchmarkMatcher(options ?? new DecontaminationOptions(), new DedupOptions());
        foreach (var item in Items)
        {
            matcher.Add(item);
        }
        return matcher;
    }

    public static TheoryData<string, int, string> Copies => new()
    {
        // The item itself, and with whitespace, punctuation and full-width differences: exact after normalisation.
        { Items[0], 0, "exact" },
        { "  某公司２０２３年净利润为５００万元  发行在外的普通股加权平均数为１，０００万股。则该公司的基本每股收益为多少元?", 0, "exact" },
        { "a bond with a face value of $1000 pays an annual coupon of 6% and matures in 5 years; if the market yield is 8%, what is the price of the bond", 2, "exact" },
        { "请问：" + Items[3], 3, "exact" },
        // Small edits: a word swapped, added or dropped.
        { "某公司2023年的净利润是500万元，发行在外的普通股加权平均数为1000万股，该公司基本每股收益为多少元？", 0, "" },
        { "A bond with a par value of $1,000 pays an annual coupon of 6% and matures in 5 years. If the market yield is 8%, what is the price of this bond?", 2, "" },
        { "Which of the following statements about the semi-strong form of the efficient market hypothesis is correct?", 3, "" },
        { "下列关于商业银行流动性覆盖率的表述中，正确的是哪一项？A. 分子为合格优质流动性资产 B. 分母为未来30天的现金净流出 C. 监管要求不低于100% D. 仅适用于外资银行", 1, "" },
        // A counterfactual copy (one value changed) still teaches the item's solution.
        { "A bond with a face value of $1,000 pays an annual coupon of 5% and matures in 5 years. If the market yield is 8%, what is the price of the bond?", 2, "ngram" },
        // The item wrapped in more text.
        { "背景：某上市公司年报披露如下信息。某公司2023年净利润为500万元，发行在外的普通股加权平均数为1000万股，则该公司的基本每股收益为多少元？请列出计算过程。", 0, "ngram" },
    };

    [Theory]
    [MemberData(nameof(Copies))]
    public void A_copied_item_is_caught(string question, int item, string method)
    {
        var matches = Build().Match(question);
        var match = Assert.Single(matches, m => m.Item == item);
        if (method.Length > 0)
        {
            Assert.Equal(method, match.Method);
        }
        Assert.InRange(match.Score, 0.5, 1);
    }

    [Theory]
    [InlineData("某公司2023年营业收入为800万元，营业成本为500万元，则该公司的毛利率为多少？")]
    [InlineData("下列关于商业银行资本充足率的说法中，错误的是哪一项？A. 核心一级资本充足率不低于5% B. 一级资本充足率不低于6% C. 资本充足率不低于8% D. 适用于所有商业银行")]
    [InlineData("A bond with a face value of $1,000 is callable after 3 years. What is the yield to call if the call price is $1,050?")]
    [InlineData("Which of the following statements about the capital asset pricing model is correct?")]
    [InlineData("What is EPS growth if EPS rose from $2 to $2.50?")]
    public void A_question_that_only_shares_financial_words_is_not_caught(string question)
    {
        var matches = Build().Match(question);
        Assert.True(matches.Count == 0, string.Join("; ", matches.Select(m => $"item {m.Item} by {m.Method} at {m.Score:0.00}")));
    }

    [Fact]
    public void A_short_item_is_matched_only_as_a_whole()
    {
        var matcher = Build();
        Assert.Contains(matcher.Match("what is eps"), m => m.Item == 4 && m.Method == "exact");
        Assert.DoesNotContain(matcher.Match("What is EPS, and how does it differ from diluted EPS?"), m => m.Item == 4);
    }

    [Fact]
    public void Two_items_with_the_same_text_are_both_reported()
    {
        var matcher = new BenchmarkMatcher(new DecontaminationOptions(), new DedupOptions());
        matcher.Add(Items[3]);
        matcher.Add(Items[3].ToUpperInvariant());
        Assert.Equal([0, 1], matcher.Match(Items[3]).Select(m => m.Item).Order());
    }

    [Fact]
    public void A_stricter_threshold_lets_a_reworded_copy_through()
    {
        var question = "A bond with a par value of $1,000 pays an annual coupon of 6% and matures in 5 years. If the market yield is 8%, what is the price of this bond?";
        Assert.NotEmpty(Build().Match(question));
        Assert.Empty(Build(new DecontaminationOptions { NgramThreshold = 0.95, MaxTokenDifference = 0 }).Match(question));
    }
}
