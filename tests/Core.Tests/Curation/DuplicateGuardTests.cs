using DeepFinance.Core.Curation;

namespace DeepFinance.Core.Tests.Curation;

/// <summary>
/// Near duplicates are found; counterfactual variants (a value, the asked-for quantity, a negation or polarity, the
/// roles of two values) are kept apart, each by the guard rule that names the difference.
/// </summary>
public sealed class DuplicateGuardTests
{
    private static readonly DuplicateDetector Detector = DuplicateDetector.Create();

    // Short questions differ in many n-grams at once; with the similarity floor near zero the guard alone decides.
    private static readonly DuplicateDetector GuardOnly = DuplicateDetector.Create(new DedupOptions { Threshold = 0.05 });

    [Theory]
    // Clause-order swaps that keep the meaning.
    [InlineData("期限5年，年利率3.5%，本金50万元，到期一次还本付息，利息是多少？", "本金50万元，年利率3.5%，期限5年，到期一次还本付息，利息是多少？")]
    [InlineData("Assuming a tax rate of 25%, a cost of debt of 6% and a cost of equity of 11%, what is the after-tax cost of debt?",
        "Assuming a cost of debt of 6%, a tax rate of 25% and a cost of equity of 11%, what is the after-tax cost of debt?")]
    [InlineData("已知流动资产800万元，流动负债400万元，求流动比率。", "已知流动负债400万元，流动资产800万元，求流动比率。")]
    // Fillers, punctuation, width and number formatting together.
    [InlineData("麻烦帮我算一下：年收入１２０，０００元，适用税率10%，应纳税额多少?", "年收入120,000元 适用税率10% 应纳税额多少？")]
    [InlineData("Please, what is the current yield of a bond priced at $950 paying a $60 coupon?", "What is the current yield of a bond priced at $950 paying a $60 coupon")]
    public void Rewordings_that_keep_the_meaning_are_duplicates(string a, string b)
    {
        var verdict = Detector.Compare(a, b);
        Assert.True(verdict.IsDuplicate, verdict.Reason);
    }

    [Theory]
    // A different value.
    [InlineData("本金10万元，年利率3%，存2年，利息多少？", "本金10万元，年利率3%，存3年，利息多少？", "numbers")]
    [InlineData("A stock trades at $45 with EPS of $3. What is its P/E ratio?", "A stock trades at $54 with EPS of $3. What is its P/E ratio?", "numbers")]
    // A different asked-for quantity.
    [InlineData("按年利率6%复利计算，3年后收到的20,000元的现值是多少？", "按年利率6%复利计算，20,000元在3年后的终值是多少？", "quantity")]
    [InlineData("贷款50万元，期限10年，年利率4.9%，等额本息每月还款多少？", "贷款50万元，期限10年，年利率4.9%，等额本金首月还款多少？", "quantity")]
    [InlineData("What is the NPV of a project costing $8,000 that returns $3,000 a year for 4 years?",
        "What is the IRR of a project costing $8,000 that returns $3,000 a year for 4 years?", "quantity")]
    [InlineData("某公司股价24元，每股收益2元，市盈率是多少？", "某公司股价24元，每股净资产2元，市净率是多少？", "quantity")]
    // A negation or polarity flip.
    [InlineData("关于国债逆回购，下列说法正确的是", "关于国债逆回购，下列说法错误的是", "polarity")]
    [InlineData("含税价格226万元，税率13%，增值税多少？", "不含税价格226万元，税率13%，增值税多少？", "negation")]
    [InlineData("Which of the following is a derivative?", "Which of the following is NOT a derivative?", "negation")]
    [InlineData("判断：久期越长，债券价格对利率越敏感。", "判断：久期越长，债券价格对利率越不敏感。", "negation")]
    [InlineData("判断：市场利率上升时，债券价格与利率呈反向变动。", "判断：市场利率上升时，债券价格与利率呈同向变动。", "polarity")]
    public void Counterfactual_variants_are_kept_apart_by_the_rule_that_names_the_difference(string a, string b, string rule)
    {
        Assert.False(Detector.Compare(a, b).IsDuplicate);
        var verdict = GuardOnly.Compare(a, b);
        Assert.False(verdict.IsDuplicate, verdict.Reason);
        Assert.Equal(rule, verdict.Rule);
    }

    [Theory]
    [InlineData("以每股12元买入500股，之后以每股15元卖出，收益率多少？", "以每股15元买入500股，之后以每股12元卖出，收益率多少？")]
    [InlineData("You buy at 20 and sell at 30; what is the holding-period return?", "You buy at 30 and sell at 20; what is the holding-period return?")]
    [InlineData("An index rises from 2,000 to 2,500. What is the percentage change?", "An index rises from 2,500 to 2,000. What is the percentage change?")]
    public void Swapped_values_that_change_the_meaning_are_kept_apart(string a, string b)
    {
        Assert.False(Detector.Compare(a, b).IsDuplicate);
        var verdict = GuardOnly.Compare(a, b);
        Assert.False(verdict.IsDuplicate, verdict.Reason);
        Assert.Equal("binding", verdict.Rule);
    }

    [Fact]
    public void Swapped_words_that_are_not_a_swap_of_whole_clauses_are_kept_apart()
    {
        Assert.False(Detector.Compare("判断：债券价格上涨时，收益率下降。", "判断：收益率上涨时，债券价格下降。").IsDuplicate);
        var verdict = GuardOnly.Compare("判断：债券价格上涨时，收益率下降。", "判断：收益率上涨时，债券价格下降。");
        Assert.False(verdict.IsDuplicate, verdict.Reason);
        Assert.Equal("order", verdict.Rule);
    }

    [Fact]
    public void Unrelated_questions_fail_on_similarity()
    {
        var verdict = Detector.Compare("什么是可转换债券？", "How is goodwill impaired under IFRS?");
        Assert.False(verdict.IsDuplicate);
        Assert.Equal("similarity", verdict.Rule);
    }

    [Fact]
    public void A_looser_setting_lets_one_added_word_through_but_never_a_changed_value()
    {
        var loose = DuplicateDetector.Create(new DedupOptions { MaxTokenDifference = 1 });
        const string a = "What is the Macaulay duration of a 3-year bond with a 5% coupon priced to yield 6%?";
        Assert.True(loose.Compare(a, a.Replace("priced to", "priced today to", StringComparison.Ordinal)).IsDuplicate);
        Assert.False(DuplicateDetector.Create().Compare(a, a.Replace("priced to", "priced today to", StringComparison.Ordinal)).IsDuplicate);
        Assert.False(loose.Compare(a, a.Replace("6%", "7%", StringComparison.Ordinal)).IsDuplicate);
    }
}
