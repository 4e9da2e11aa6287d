using DeepFinance.Core.Verification;

namespace DeepFinance.Core.Tests.Verification;

public sealed class FinalAnswerExtractorTests
{
    [Theory]
    [InlineData("计算过程……\n答案：135万元\n其余315万元需另行申请。", "135万元")]
    [InlineData("最终答案为9.0%\n若忽略抵税效应，WACC会被高估为9.6%。", "9.0%")]
    [InlineData("故选A。\n注：B项属于其他一级资本。", "A")]
    [InlineData("分析……\n所以选C。", "C")]
    [InlineData("三者都满足。\n故选AB。", "AB")]
    [InlineData("综上，A、B、E正确。", "A、B、E正确")]
    [InlineData("综上所述，该说法错误。", "该说法错误")]
    [InlineData("答：今日涨跌幅为6%。", "今日涨跌幅为6%")]
    [InlineData("正确答案是B", "B")]
    [InlineData("The answer is $20.8 million.", "$20.8 million")]
    [InlineData("Final answer: -250\n(That is a net margin of about -10.4%.)", "-250")]
    [InlineData("FINAL ANSWER: True", "True")]
    [InlineData("some work\nanswer: c", "c")]
    [InlineData("**Final answer:** 1.70", "1.70")]
    [InlineData("**答案：B**", "B")]
    [InlineData("贷款金额为**315万元**。", "贷款金额为315万元")]
    [InlineData("答案：\n\n4.31%", "4.31%")]
    [InlineData("The final answer is approximately 4.2 years.", "4.2 years")]
    public void Marked_answers_are_read_to_the_end_of_their_line(string response, string expected)
    {
        Assert.Equal(expected, FinalAnswerExtractor.Extract(response));
    }

    [Fact]
    public void Last_marked_answer_by_position_wins_over_earlier_markers()
    {
        var response = "初步答案：15%\n再想想，分红也应计入。\n最终答案：17.5%\n（若不计分红则为15%）";
        Assert.Equal("17.5%", FinalAnswerExtractor.Extract(response));
    }

    [Fact]
    public void Boxed_content_keeps_nested_braces()
    {
        var response = "概率为 \\boxed{\\frac{3}{28}} 。\n说明：不放回抽样。";
        Assert.Equal("\\frac{3}{28}", FinalAnswerExtractor.Extract(response));
        Assert.Equal("3/28", AnswerNormalizer.Normalize(FinalAnswerExtractor.Extract(response)!));
    }

    [Fact]
    public void Boxed_after_a_marker_on_the_same_line_wins()
    {
        Assert.Equal("A", FinalAnswerExtractor.Extract("答案：$\\boxed{A}$"));
    }

    [Fact]
    public void Marker_after_boxed_wins()
    {
        Assert.Equal("B", FinalAnswerExtractor.Extract("\\boxed{A}\n复核后更正。\n答案：B"));
    }

    [Fact]
    public void Without_markers_the_last_non_empty_line_is_the_answer()
    {
        var response = "持有期收益率 = 2.15%\n年化 = 4.3118%\n约为4.31%。\n\n";
        Assert.Equal("4.31%", FinalAnswerExtractor.Extract(response));
    }

    [Fact]
    public void So_and_suoyi_are_not_markers()
    {
        var response = "答案需要先算分子。\n所以净利润为12.5亿元\nso the margin is 6%";
        // "答案" on the first line is a marker, so its line is the final answer; 所以 / so are not markers.
        Assert.Equal("需要先算分子", FinalAnswerExtractor.Extract(response));
        Assert.Equal("so the margin is 6%", FinalAnswerExtractor.Extract("所以净利润为12.5亿元\nso the margin is 6%"));
    }

    [Fact]
    public void Text_after_last_think_close_is_the_region()
    {
        var response = "<think>\n答案：9.6%\n</think>\n税后成本……\n最终答案为9.0%";
        Assert.Equal("9.0%", FinalAnswerExtractor.Extract(response));
    }

    [Fact]
    public void Markers_inside_think_are_ignored_when_text_follows()
    {
        var response = "<think>\n答案：A\n</think>\n经分析，应当选择第三项。\nC";
        Assert.Equal("C", FinalAnswerExtractor.Extract(response));
    }

    [Fact]
    public void Blank_text_after_think_falls_back_to_the_think_block()
    {
        var response = "<think>\n600 / 150 = 4\n答案：4\n</think>\n   \n";
        Assert.Equal("4", FinalAnswerExtractor.Extract(response));
    }

    [Theory]
    [InlineData("约为4.31%", "4.31%")]
    [InlineData("about $18 million.", "$18 million")]
    [InlineData("Approximately 1.67.", "1.67")]
    [InlineData("≈ 97.33。", "97.33")]
    public void Leading_approximation_words_and_trailing_punctuation_are_removed(string line, string expected)
    {
        Assert.Equal(expected, FinalAnswerExtractor.Extract("work\n" + line));
    }

    [Fact]
    public void Empty_response_has_no_answer()
    {
        Assert.Null(FinalAnswerExtractor.Extract("   \n\n"));
        Assert.Null(FinalAnswerExtractor.Extract("<think></think>"));
    }
}
