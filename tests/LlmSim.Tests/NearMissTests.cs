namespace DeepFinance.LlmSim.Tests;

public sealed class NearMissTests
{
    [Theory]
    [InlineData("30000")]
    [InlineData("10%")]
    [InlineData("$2.00")]
    [InlineData("54163.23")]
    [InlineData("3.68亿元")]
    [InlineData("1,250,000 USD")]
    [InlineData("-4.5%")]
    [InlineData("0")]
    [InlineData("3")]
    public void NumbersAlwaysChangeAndKeepTheirSuffix(string reference)
    {
        var seen = new HashSet<string>();
        for (ulong pick = 0; pick < 64; pick++)
        {
            var miss = NearMiss.Make(reference, null, pick * 0x9E3779B97F4A7C15UL);
            Assert.NotEqual(reference, miss.Answer);
            Assert.False(string.IsNullOrWhiteSpace(miss.SlipEnglish));
            Assert.False(string.IsNullOrWhiteSpace(miss.SlipChinese));
            var suffix = reference[(reference.LastIndexOfAny("0123456789".ToCharArray()) + 1)..];
            if (suffix.Length > 0)
            {
                Assert.EndsWith(suffix[^1..], miss.Answer, StringComparison.Ordinal);
            }

            if (reference.StartsWith('$'))
            {
                Assert.Contains("$", miss.Answer, StringComparison.Ordinal);
            }
            seen.Add(miss.Answer);
        }

        Assert.True(seen.Count >= (reference == "0" ? 2 : 3), string.Join(" | ", seen));
    }

    [Fact]
    public void ChineseUnitsCanBeSwapped()
    {
        var answers = Enumerable.Range(0, 64).Select(i => NearMiss.Make("3.68亿元", null, (ulong)i * 0x9E3779B97F4A7C15UL).Answer).ToHashSet();
        Assert.Contains("3.68万元", answers);
        Assert.Contains("-3.68亿元", answers);
    }

    [Theory]
    [InlineData("A", new[] { "B" })]
    [InlineData("B", new[] { "A", "C" })]
    [InlineData("D", new[] { "C" })]
    public void SingleLettersMoveToANeighbour(string reference, string[] allowed)
    {
        for (ulong pick = 0; pick < 8; pick++)
        {
            Assert.Contains(NearMiss.Make(reference, ["w", "x", "y", "z"], pick).Answer, allowed);
        }
    }

    [Fact]
    public void MultipleLettersLoseOrGainOne()
    {
        var answers = Enumerable.Range(0, 16).Select(i => NearMiss.Make("A, C", null, (ulong)i).Answer).ToHashSet();
        Assert.All(answers, a => Assert.NotEqual("A, C", a));
        Assert.Contains("A", answers);
        Assert.Contains(answers, a => a.Split(", ").Length == 3);
    }

    [Theory]
    [InlineData("正确", "错误")]
    [InlineData("错误", "正确")]
    [InlineData("True", "False")]
    [InlineData("false", "true")]
    [InlineData("Yes", "No")]
    public void BooleansFlip(string reference, string expected) =>
        Assert.Equal(expected, NearMiss.Make(reference, null, 0).Answer);

    [Fact]
    public void TextBecomesADifferentSentence()
    {
        var miss = NearMiss.Make("该金额应在当期一次性确认为费用。", null, 2);
        Assert.NotEqual("该金额应在当期一次性确认为费用。", miss.Answer);
        Assert.True(TokenCounter.ContainsCjk(miss.Answer));
    }

    [Fact]
    public void TokenCountingIsRough()
    {
        Assert.Equal(4, TokenCounter.Count("净利润率"));
        Assert.Equal(2, TokenCounter.Count("abcdefg"));
        Assert.Equal(0, TokenCounter.Count(""));
        Assert.Equal("净利", TokenCounter.Truncate("净利润率", 2));
    }
}
