using DeepFinance.Core.Curation;
using DeepFinance.Core.Data;

namespace DeepFinance.Core.Tests.Curation;

/// <summary>Each quality rule fires on what it is for, with its reason code, and stays quiet on the near miss beside it, in Chinese and English.</summary>
public sealed class QualityScreenTests
{
    private static readonly QualityScreen Screen = QualityScreen.Create();

    private static readonly QualityInput Zh = new(
        "某客户贷款20万元，年利率5%，单利计息，3年利息多少元？",
        "单利计息时，利息等于本金乘以年利率再乘以年数。本金为20万元，即200000元，年利率5%，期限3年。利息=200000×5%×3=30000元。因此3年的利息为30000元。",
        "30000元", "stop", TaskType.Math, "zh");

    private static readonly QualityInput En = new(
        "A share bought at $30 is sold at $27. What is the percentage loss?",
        "The loss per share is the purchase price minus the sale price, which is 30 minus 27, or 3 dollars. "
        + "The percentage loss is the loss divided by the purchase price: 3 divided by 30 equals 0.1, which is 10 percent.",
        "The percentage loss is 10%.", "stop", TaskType.Math, "en");

    private static IReadOnlyList<string> Codes(QualityInput trace, QualityOptions? options = null) =>
        (options is null ? Screen : QualityScreen.Create(options)).Check(trace).Select(f => f.Code).ToList();

    [Fact]
    public void Good_traces_pass_every_rule()
    {
        Assert.Empty(Screen.Check(Zh));
        Assert.Empty(Screen.Check(En));
    }

    [Fact]
    public void A_trace_cut_off_at_the_token_limit_is_truncated()
    {
        Assert.Equal([QualityCodes.Truncated], Codes(Zh with { FinishReason = "length" }));
        Assert.Equal([QualityCodes.Truncated], Codes(En with { FinishReason = "LENGTH" }));
        Assert.Empty(Codes(En with { FinishReason = null }));
    }

    [Fact]
    public void Empty_short_and_long_reasoning_are_flagged_within_configured_bounds()
    {
        Assert.Equal([QualityCodes.EmptyReasoning], Codes(Zh with { Reasoning = " \n " }));
        Assert.Equal([QualityCodes.EmptyReasoning], Codes(En with { Reasoning = null }));
        // 7 units: 利 息 200000 5 3 30000 元.
        var shortZh = Zh with { Reasoning = "利息=200000×5%×3=30000元。" };
        Assert.Equal([QualityCodes.ReasoningTooShort], Codes(shortZh));
        Assert.Empty(Codes(shortZh, new QualityOptions { MinReasoningUnits = 7 }));
        var shortEn = En with { Reasoning = "3 divided by 30 is 0.1, so the loss is 10%." };
        Assert.Equal([QualityCodes.ReasoningTooShort], Codes(shortEn));
        // 11 units: 3 divided by 30 is 0.1 so the loss is 10.
        Assert.Empty(Codes(shortEn, new QualityOptions { MinReasoningUnits = 11 }));
        Assert.Equal([QualityCodes.ReasoningTooLong], Codes(Zh, new QualityOptions { MaxReasoningUnits = 40 }));
        Assert.Equal([QualityCodes.ReasoningTooLong], Codes(En, new QualityOptions { MaxReasoningUnits = 40 }));
        Assert.Empty(Codes(En, new QualityOptions { MaxReasoningUnits = 60 }));
    }

    [Fact]
    public void A_missing_final_answer_is_flagged_and_a_calculation_needs_a_number()
    {
        Assert.Equal([QualityCodes.AnswerMissing], Codes(Zh with { Answer = "" }));
        Assert.Equal([QualityCodes.AnswerMissing, QualityCodes.ThinkTag], Codes(En with { Answer = "<think></think>" }));
        Assert.Equal([QualityCodes.AnswerMissing], Codes(Zh with { Answer = "见上文分析" }));
        Assert.Equal([QualityCodes.AnswerMissing], Codes(En with { Answer = "See the reasoning above." }));
        // Near misses: numbers written as words, and an answer without a number where none is asked for.
        Assert.Empty(Codes(Zh with { Answer = "三万元" }));
        Assert.Empty(Codes(En with { Answer = "A loss of ten percent." }));
        Assert.Empty(Codes(Zh with { Answer = "见上文分析", TaskType = TaskType.KnowledgeQa }));
    }

    [Fact]
    public void An_answer_or_reasoning_in_the_other_language_is_a_mismatch()
    {
        Assert.Equal([QualityCodes.LanguageMismatch], Codes(Zh with { Answer = "The interest is 30000 yuan." }));
        Assert.Equal([QualityCodes.LanguageMismatch], Codes(En with { Answer = "亏损比例为10%。" }));
        Assert.Equal([QualityCodes.LanguageMismatch], Codes(Zh with { Reasoning = En.Reasoning }));
        Assert.Contains("the reasoning English", Screen.Check(Zh with { Reasoning = En.Reasoning }).Single().Detail);
        // Near misses: a choice letter, a bare figure, an English term inside Chinese, a Chinese term inside English.
        Assert.Empty(Codes(Zh with { Answer = "B", TaskType = TaskType.KnowledgeQa }));
        Assert.Empty(Codes(Zh with { Answer = "A、C", TaskType = TaskType.KnowledgeQa }));
        Assert.Empty(Codes(En with { Answer = "$3.00" }));
        Assert.Empty(Codes(Zh with { Answer = "ROE为15%，即30000元" }));
        Assert.Empty(Codes(En with { Answer = "The percentage loss (亏损率) is 10%." }));
        // The stored language wins over detection.
        Assert.Equal([QualityCodes.LanguageMismatch], Codes(En with { QuestionLanguage = "zh" }));
    }

    [Fact]
    public void A_repetition_loop_is_flagged()
    {
        Assert.Equal([QualityCodes.RepetitionLoop], Codes(Zh with { Reasoning = Zh.Reasoning + string.Concat(Enumerable.Repeat("我们再检查一遍计算。", 5)) }));
        Assert.Equal([QualityCodes.RepetitionLoop], Codes(En with { Reasoning = En.Reasoning + string.Concat(Enumerable.Repeat(" Let me check again.", 5)) }));
        Assert.Equal([QualityCodes.RepetitionLoop], Codes(En with { Reasoning = En.Reasoning + " so the loss is" + string.Concat(Enumerable.Repeat(" and so", 20)) }));
        Assert.Equal([QualityCodes.RepetitionLoop], Codes(Zh with { Reasoning = Zh.Reasoning + "所以利息为" + new string('0', 80) }));
        // Near misses: a check said three times, and a schedule whose lines look alike but differ in value.
        Assert.Empty(Codes(Zh with { Reasoning = Zh.Reasoning + string.Concat(Enumerable.Repeat("我们再检查一遍计算。", 3)) }));
        Assert.Empty(Codes(Zh with { Reasoning = Zh.Reasoning + "第1年利息为10000元；第2年利息为10000元；第3年利息为10000元；合计30000元。" }));
        Assert.Empty(Codes(En with { Reasoning = En.Reasoning + " Year 1: 110.00; Year 2: 121.00; Year 3: 133.10; Year 4: 146.41; Year 5: 161.05." }));
    }

    [Fact]
    public void A_leftover_think_tag_is_flagged()
    {
        Assert.Equal([QualityCodes.ThinkTag], Codes(Zh with { Reasoning = Zh.Reasoning + "</think>" }));
        Assert.Equal([QualityCodes.ThinkTag], Codes(En with { Answer = "< think > The percentage loss is 10%." }));
        Assert.Equal([QualityCodes.ThinkTag], Codes(En with { Reasoning = "<THINK>" + En.Reasoning }));
        // Near misses: the word think beside a comparison sign, and a Chinese comparison.
        Assert.Empty(Codes(En with { Reasoning = En.Reasoning + " I think > 5% would be a large loss." }));
        Assert.Empty(Codes(Zh with { Reasoning = Zh.Reasoning + "我认为<5%的亏损可以接受。" }));
    }

    [Fact]
    public void Placeholder_text_is_flagged()
    {
        Assert.Equal([QualityCodes.Placeholder], Codes(En with { Answer = "[Your answer here] 10%" }));
        Assert.Equal([QualityCodes.Placeholder], Codes(En with { Reasoning = En.Reasoning + " {{reasoning}}" }));
        Assert.Equal([QualityCodes.Placeholder], Codes(Zh with { Answer = "此处填写最终答案：30000元" }));
        Assert.Equal([QualityCodes.Placeholder], Codes(Zh with { Reasoning = Zh.Reasoning + "【待补充】" }));
        // Near misses: 此处 in a real sentence, set notation, a word that starts like TODO.
        Assert.Empty(Codes(Zh with { Reasoning = Zh.Reasoning + "此处的利率指年利率。" }));
        Assert.Empty(Codes(En with { Reasoning = En.Reasoning + " The set {x | x > 0} holds every gain." }));
        Assert.Empty(Codes(En with { Reasoning = En.Reasoning + " Today the loss stands." }));
    }

    [Fact]
    public void Every_flag_names_what_it_saw()
    {
        var flags = Screen.Check(Zh with { FinishReason = "length", Answer = "", Reasoning = "" });
        Assert.Equal([QualityCodes.Truncated, QualityCodes.EmptyReasoning, QualityCodes.AnswerMissing], flags.Select(f => f.Code));
        Assert.All(flags, f => Assert.False(string.IsNullOrWhiteSpace(f.Detail)));
        Assert.Subset(QualityCodes.All.ToHashSet(), flags.Select(f => f.Code).ToHashSet());
    }
}
