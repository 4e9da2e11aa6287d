using DeepFinance.Core.Verification;

namespace DeepFinance.Core.Tests.Verification;

public sealed class RuleVerifierTests
{
    private static VerificationResult Check(string reference, string response, string? question = null, IReadOnlyList<string>? options = null) =>
        RuleVerifier.Instance.Verify(new VerificationInput(reference, response, question, options));

    private static void AssertVerdict(Verdict expected, string reference, string response, string rule)
    {
        var result = Check(reference, response);
        Assert.True(expected == result.Verdict, $"{reference} / {response}: expected {expected}, got {result.Verdict} ({result.Rule}: {result.Reason})");
        Assert.Equal(rule, result.Rule);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
    }

    // ---- numbers, units, currency -------------------------------------------------------------

    [Theory]
    [InlineData("124亿元", "答案：12,400,000,000元")]
    [InlineData("12.5亿元", "答案：125,000万元")]
    [InlineData("3.68亿元", "答案：36,800万元")]
    [InlineData("23.456亿元", "\\boxed{23.46亿元}")]
    [InlineData("$18 million", "Final answer: $18M")]
    [InlineData("$2.4 billion", "The answer is $2,400 million.")]
    [InlineData("35625元", "答案：RMB 35,625")]
    [InlineData("$11,576.25", "Final answer: USD 11,576.25")]
    [InlineData("4890.17元", "最终答案：¥4,890.17")]
    [InlineData("15243.40元", "最终答案：￥15,243.4")]
    [InlineData("4", "最终答案为4次。\n对应周转天数约为 90 天。")]
    [InlineData("1.7", "Final answer: 1.70")]
    [InlineData("3", "The answer is 3x.")]
    [InlineData("97.33", "\\boxed{97.33}\n\n（以上按每年付息1次计算。）")]
    [InlineData("１２．５", "答案：12.5")]
    public void Equal_numbers_in_other_forms_are_correct(string reference, string response)
    {
        AssertVerdict(Verdict.Correct, reference, response, "number");
    }

    [Theory]
    [InlineData("3.68亿元", "答案：36.8亿元")] // magnitude off by ten
    [InlineData("315万元", "答案：315亿元")] // 万 vs 亿
    [InlineData("$208 million", "The answer is $20.8 million.")]
    [InlineData("$18 million", "Final answer: $18 billion")] // million vs billion
    [InlineData("180元", "答案：390元")]
    [InlineData("4.17", "The answer is 4.2 years.")] // 0.7% off and 4.20 != 4.17
    [InlineData("2.5", "答案：1.67")]
    [InlineData("12", "答案：15倍\n（动态市盈率为12倍，仅供参考。）")] // right value only in a remark
    [InlineData("315万元", "贷款金额 = 450 − 135 = 315万元\n答案：135万元\n其余315万元需另行申请。")] // right value in reasoning
    [InlineData("12", "答案：15倍（动态市盈率为12倍）")] // right value only in an aside on the answer line
    public void Near_miss_numbers_are_incorrect(string reference, string response)
    {
        AssertVerdict(Verdict.Incorrect, reference, response, "number");
    }

    [Theory]
    [InlineData("(250)", "Final answer: -250", Verdict.Correct)]
    [InlineData("-450万元", "答案：(450)万元", Verdict.Correct)]
    [InlineData("-130万元", "答案：(1,300,000)元", Verdict.Correct)]
    [InlineData("(2,700)", "Unrealized gain (loss): ($2,700)", Verdict.Correct)]
    [InlineData("(250)万元", "答案：250万元", Verdict.Incorrect)] // lost sign
    [InlineData("-130万元", "答案：130万元", Verdict.Incorrect)]
    [InlineData("(2,700)", "Unrealized gain (loss): (2,070)", Verdict.Incorrect)]
    public void Accounting_negatives_keep_their_sign(string reference, string response, Verdict expected)
    {
        AssertVerdict(expected, reference, response, "number");
    }

    // ---- percent ------------------------------------------------------------------------------

    [Theory]
    [InlineData("9%", "最终答案为9.0%", Verdict.Correct)]
    [InlineData("30%", "\\boxed{30.4\\%}", Verdict.Correct)] // 1.3% off but rounds to 30
    [InlineData("4.3%", "答案：4.34%", Verdict.Correct)]
    [InlineData("4.31%", "约为4.31%。", Verdict.Correct)]
    [InlineData("12.68%", "答案：0.1268", Verdict.Correct)] // decimal value of the percent
    [InlineData("12.5%", "答案：１２．５％", Verdict.Correct)]
    [InlineData("8%", "答案：8.49%", Verdict.Correct)]
    [InlineData("8%", "答案：8.5%", Verdict.Incorrect)]
    [InlineData("4.85%", "Final answer: 5.00%", Verdict.Incorrect)]
    [InlineData("12.68%", "答案：1.268%", Verdict.Incorrect)] // a percent is not its decimal
    [InlineData("-6%", "答：今日涨跌幅为6%。", Verdict.Incorrect)] // lost sign
    [InlineData("-6%", "答：今日涨跌幅为−6%。", Verdict.Correct)]
    [InlineData("17.5%", "最终答案：15%", Verdict.Incorrect)]
    public void Percent_references(string reference, string response, Verdict expected)
    {
        AssertVerdict(expected, reference, response, "percent");
    }

    [Fact]
    public void Bare_number_against_percent_accepts_the_percent_number()
    {
        AssertVerdict(Verdict.Correct, "12.5%", "答案：12.5", "percent");
        AssertVerdict(Verdict.Correct, "12.5%", "答案：0.125", "percent");
        AssertVerdict(Verdict.Incorrect, "12.5%", "答案：1.25", "percent");
    }

    [Fact]
    public void Reason_explains_a_miss()
    {
        var result = Check("12.68%", "答案：12.5%");
        Assert.Equal(Verdict.Incorrect, result.Verdict);
        Assert.Equal("12.5% vs reference 12.68%: off by 1.42%, beyond 0.5% and not equal when rounded to 2 decimals in percent", result.Reason);
    }

    [Fact]
    public void Tolerance_is_configurable()
    {
        var input = new VerificationInput("4.17", "The answer is 4.2.");
        Assert.Equal(Verdict.Incorrect, RuleVerifier.Instance.Verify(input).Verdict);
        Assert.Equal(Verdict.Correct, RuleVerifier.Instance.Verify(input, new VerificationTolerances(0.01)).Verdict);
        var noRounding = new VerificationTolerances(0.005, RoundToReferencePrecision: false);
        Assert.Equal(Verdict.Incorrect, RuleVerifier.Instance.Verify(new VerificationInput("30%", "30.4%"), noRounding).Verdict);
    }

    // ---- fractions ----------------------------------------------------------------------------

    [Theory]
    [InlineData("2/5", "Final answer: 4/10", Verdict.Correct)]
    [InlineData("3/8", "答案：0.375", Verdict.Correct)]
    [InlineData("3/28", "\\boxed{\\frac{3}{28}}", Verdict.Correct)]
    [InlineData("3/28", "答案：9/64", Verdict.Incorrect)]
    [InlineData("3/10", "答案：3/7", Verdict.Incorrect)]
    [InlineData("1/3", "答案：0.33", Verdict.Incorrect)] // no rounding rule for fractions: 1% off
    [InlineData("1/3", "答案：0.3333", Verdict.Correct)]
    public void Fraction_references(string reference, string response, Verdict expected)
    {
        AssertVerdict(expected, reference, response, "fraction");
    }

    // ---- choices ------------------------------------------------------------------------------

    [Theory]
    [InlineData("C", "答案：C", Verdict.Correct)]
    [InlineData("A", "故选A。\n注：B项属于其他一级资本，C、D两项属于二级资本。", Verdict.Correct)]
    [InlineData("C", "The answer is C.", Verdict.Correct)]
    [InlineData("B", "所以选C。", Verdict.Incorrect)]
    [InlineData("B", "Final answer: C", Verdict.Incorrect)]
    [InlineData("ABD", "最终答案为D、B、A", Verdict.Correct)]
    [InlineData("A, B, D", "Final answer: D, A, B", Verdict.Correct)]
    [InlineData("AC", "The answer is C and A.", Verdict.Correct)]
    [InlineData("A、C", "答案：A,C", Verdict.Correct)]
    [InlineData("ABE", "综上，A、B、E正确。", Verdict.Correct)]
    [InlineData("ABC", "故选AB。", Verdict.Incorrect)] // partial
    [InlineData("ABC", "答案：ABCD", Verdict.Incorrect)] // padded
    [InlineData("ABD", "The answer is A and B.", Verdict.Incorrect)]
    [InlineData("C", "Answer: C. Arithmetic mean", Verdict.Correct)] // A inside a word is not a letter
    [InlineData("B", "answer: (B)", Verdict.Correct)]
    [InlineData("C", "the answer is c", Verdict.Correct)]
    [InlineData("C", "The answer is C. A single outlier can move the mean.", Verdict.Correct)] // explanation capitals ignored
    [InlineData("C", "答案：C。A项错误在于混淆了概念。", Verdict.Correct)]
    [InlineData("AC", "Final answer: both A and C", Verdict.Correct)]
    [InlineData("ABD", "综上所述，本题选ABD。", Verdict.Correct)]
    [InlineData("AC", "综上，选项A和C正确。", Verdict.Correct)]
    public void Choice_references(string reference, string response, Verdict expected)
    {
        AssertVerdict(expected, reference, response, "choice");
    }

    [Fact]
    public void Choice_answer_given_as_option_text_is_matched_through_the_options()
    {
        var question = "货币市场基金不得投资于（ ）。\nA. 现金\nB. 银行存款\nC. 股票\nD. 短期债券";
        var result = Check("C", "答案：股票", question);
        Assert.Equal(Verdict.Correct, result.Verdict);
        var fromList = Check("B", "Final answer: Volatility", options: ["Strike price", "Volatility", "Dividends"]);
        Assert.Equal(Verdict.Correct, fromList.Verdict);
    }

    [Fact]
    public void Numeric_reference_answered_by_letter_uses_the_option_value()
    {
        var question = "最高偿付限额为人民币（ ）。\nA. 20万元\nB. 50万元\nC. 100万元";
        Assert.Equal(Verdict.Correct, Check("50万元", "故选B。", question).Verdict);
        Assert.Equal(Verdict.Incorrect, Check("50万元", "故选C。", question).Verdict);
    }

    // ---- booleans -----------------------------------------------------------------------------

    [Theory]
    [InlineData("正确", "答案：√", Verdict.Correct)]
    [InlineData("正确", "答：该说法正确。", Verdict.Correct)]
    [InlineData("正确", "答案：对", Verdict.Correct)]
    [InlineData("错误", "答案：正确", Verdict.Incorrect)]
    [InlineData("错误", "综上，该说法不正确。", Verdict.Correct)]
    [InlineData("错误", "答案：×", Verdict.Correct)]
    [InlineData("错误", "答案：否", Verdict.Correct)]
    [InlineData("True", "Final answer: True", Verdict.Correct)]
    [InlineData("True", "Answer: False", Verdict.Incorrect)]
    [InlineData("False", "The answer is no.", Verdict.Correct)]
    [InlineData("True", "The answer is YES", Verdict.Correct)]
    public void Boolean_references(string reference, string response, Verdict expected)
    {
        AssertVerdict(expected, reference, response, "boolean");
    }

    // ---- dates --------------------------------------------------------------------------------

    [Theory]
    [InlineData("2023年9月15日", "答案：2023-09-15\n（若为3个月期，则到期日为2023年6月15日。）", Verdict.Correct)]
    [InlineData("2024-05-30", "The paper matures on May 30, 2024.", Verdict.Correct)]
    [InlineData("June 14, 2024", "Final answer: 14 June 2024", Verdict.Correct)]
    [InlineData("2023/03/01", "Answer: Mar 1, 2023", Verdict.Correct)]
    [InlineData("2024年3月11日", "答案：2024年3月9日", Verdict.Incorrect)]
    [InlineData("June 14, 2024", "Final answer: June 13, 2024", Verdict.Incorrect)] // off by one
    public void Date_references(string reference, string response, Verdict expected)
    {
        AssertVerdict(expected, reference, response, "date");
    }

    // ---- open text, missing answers -----------------------------------------------------------

    [Fact]
    public void Open_text_reference_is_unverifiable_unless_identical()
    {
        var result = Check("提高存款准备金率以收紧流动性", "答案：应通过公开市场操作回笼资金");
        Assert.Equal(Verdict.Unverifiable, result.Verdict);
        Assert.Equal("none", result.Rule);

        var same = Check("Liquidity risk", "Final answer: liquidity risk.");
        Assert.Equal(Verdict.Correct, same.Verdict);
        Assert.Equal("text-exact", same.Rule);
    }

    [Fact]
    public void Response_without_an_answer_is_incorrect_with_a_reason()
    {
        var empty = Check("124亿元", "  ");
        Assert.Equal(Verdict.Incorrect, empty.Verdict);
        Assert.Null(empty.Extracted);
        Assert.Contains("no final answer", empty.Reason, StringComparison.Ordinal);

        var noNumber = Check("124亿元", "答案：无法计算");
        Assert.Equal(Verdict.Incorrect, noNumber.Verdict);
        Assert.Contains("no number", noNumber.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12.68%", ReferenceKind.Percent)]
    [InlineData("(250)万元", ReferenceKind.Number)]
    [InlineData("$18 million", ReferenceKind.Number)]
    [InlineData("3/28", ReferenceKind.Fraction)]
    [InlineData("A, B, D", ReferenceKind.Choice)]
    [InlineData("ABE", ReferenceKind.Choice)]
    [InlineData("正确", ReferenceKind.Boolean)]
    [InlineData("False", ReferenceKind.Boolean)]
    [InlineData("2023年9月15日", ReferenceKind.Date)]
    [InlineData("June 14, 2024", ReferenceKind.Date)]
    [InlineData("应收账款周转率下降说明回款变慢", ReferenceKind.Text)]
    public void Reference_kind_is_detected_from_the_text(string reference, ReferenceKind kind)
    {
        Assert.Equal(kind, ReferenceAnswer.Classify(reference).Kind);
    }
}
