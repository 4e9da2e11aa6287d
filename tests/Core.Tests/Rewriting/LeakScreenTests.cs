using DeepFinance.Core.Rewriting;

namespace DeepFinance.Core.Tests.Rewriting;

/// <summary>The leak screen on reflections and rewrites, in Chinese and English.</summary>
public sealed class LeakScreenTests
{
    private const string LoanQuestion = "某客户贷款20万元，年利率5%，单利计息，3年利息多少元？";
    private const string ShareQuestion = "A share bought at $30 is sold at $27. What is the percentage loss?";
    private readonly LeakScreen _screen = new();

    [Theory]
    [InlineData("第3步有误。标准答案是30000元。")]
    [InlineData("对照参考答案可以发现计算有问题。")]
    [InlineData("正确答案应该是另一个数。")]
    [InlineData("正确答案为B，所以选项辨析错了。")]
    [InlineData("答案应该是三万元左右。")]
    [InlineData("和题目给出的答案不一致。")]
    [InlineData("与给定答案相比，数量级不对。")]
    [InlineData("与ｇｒｏｕｎｄ　ｔｒｕｔｈ不一致。")]
    public void Leak_screen_flags_Chinese_phrases_that_point_at_the_reference(string reflection) =>
        Assert.NotEmpty(_screen.Screen(reflection, ScreenedPart.Reflection, "30000", LoanQuestion));

    [Theory]
    [InlineData("Compared with the ground truth, step 3 is off.")]
    [InlineData("The given answer suggests a different magnitude.")]
    [InlineData("The reference says the loss is smaller.")]
    [InlineData("The reference answer differs from this one.")]
    [InlineData("THE CORRECT ANSWER IS something else.")]
    [InlineData("The expected answer uses the purchase price as the base.")]
    [InlineData("Per the answer key, this is wrong.")]
    [InlineData("Ground-truth aside, step 2 misreads the price.")]
    public void Leak_screen_flags_English_phrases_that_point_at_the_reference(string reflection) =>
        Assert.NotEmpty(_screen.Screen(reflection, ScreenedPart.Reflection, "10%", ShareQuestion));

    [Fact]
    public void Leak_screen_flags_a_reflection_that_states_the_reference_value()
    {
        var zh = _screen.Screen("第3步把利率当成了年化的十分之一，其实利息应是 30,000 元。", ScreenedPart.Reflection, "30000", LoanQuestion);
        Assert.Contains(zh, h => h.Contains("30,000", StringComparison.Ordinal));
        var en = _screen.Screen("Step 3 divides by the sale price; the loss is 10 percent of the cost.", ScreenedPart.Reflection, "10%", ShareQuestion);
        Assert.Contains(en, h => h.Contains("reference value", StringComparison.Ordinal));
    }

    [Fact]
    public void Leak_screen_passes_clean_reflections_in_both_languages()
    {
        Assert.Empty(_screen.Screen("第3步代入公式时把本金的数量级弄错了，应重新核对20万元和3年这两个条件，再检查单位。",
            ScreenedPart.Reflection, "30000", LoanQuestion));
        // Quoting the attempt's own wrong answer, here the reference with its sign flipped, gives nothing away.
        Assert.Empty(_screen.Screen("解答得到 -30000，符号方向值得再想一想。", ScreenedPart.Reflection, "30000", LoanQuestion));
        Assert.Empty(_screen.Screen("Step 2 divides the $3 drop by the sale price of $27; the base of a percentage loss deserves a second look.",
            ScreenedPart.Reflection, "10%", ShareQuestion));
    }

    [Fact]
    public void Leak_screen_lets_a_rewrite_reach_the_value_through_a_computation_but_not_state_it_first()
    {
        Assert.Empty(_screen.Screen("重新计算：利息 = 200000 × 5% × 3 = 30000 元。\n答案：30000", ScreenedPart.Rewrite, "30000", LoanQuestion));
        Assert.Empty(_screen.Screen("The loss is 30 - 27 = 3, and 3 / 30 gives 10%.\nFinal answer: 10%", ScreenedPart.Rewrite, "10%", ShareQuestion));
        var early = _screen.Screen("结果是三万，也就是 30000 元。下面验证：200000 × 5% × 3。", ScreenedPart.Rewrite, "30000", LoanQuestion);
        Assert.Contains(early, h => h.Contains("before any computation", StringComparison.Ordinal));
    }

    [Fact]
    public void Leak_screen_ignores_the_questions_own_figures_and_small_whole_numbers()
    {
        Assert.Empty(_screen.Screen("Step 1 reads $30 as the sale price.", ScreenedPart.Reflection, "30", ShareQuestion));
        Assert.Empty(_screen.Screen("Step 3 counts 3 years where it should not.", ScreenedPart.Reflection, "3", LoanQuestion));
    }

    [Fact]
    public void Leak_screen_takes_an_operators_patterns()
    {
        const string text = "按照阅卷要点，第3步不对。";
        Assert.Empty(_screen.Screen(text, ScreenedPart.Reflection, "30000", LoanQuestion));
        Assert.Equal(["阅卷要点"], new LeakScreen(["阅卷要点"]).Screen(text, ScreenedPart.Reflection, "30000", LoanQuestion));
    }
}
