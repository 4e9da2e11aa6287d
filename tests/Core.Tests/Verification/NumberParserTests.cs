using DeepFinance.Core.Verification;

namespace DeepFinance.Core.Tests.Verification;

public sealed class NumberParserTests
{
    [Theory]
    [InlineData("12,400,000,000元", 12_400_000_000)]
    [InlineData("36,800万元", 368_000_000)]
    [InlineData("3.68亿元", 368_000_000)]
    [InlineData("1.5万亿", 1_500_000_000_000)]
    [InlineData("3千万", 30_000_000)]
    [InlineData("2,345.6百万元", 2_345_600_000)]
    [InlineData("$18M", 18_000_000)]
    [InlineData("$18 million", 18_000_000)]
    [InlineData("US$2.4 billion", 2_400_000_000)]
    [InlineData("$2.4B", 2_400_000_000)]
    [InlineData("2.4bn", 2_400_000_000)]
    [InlineData("250K", 250_000)]
    [InlineData("12 thousand", 12_000)]
    [InlineData("(1,234)", -1234)]
    [InlineData("(450)万元", -4_500_000)]
    [InlineData("($2,070)", -2070)]
    [InlineData("-130万元", -1_300_000)]
    [InlineData("−130万元", -1_300_000)]
    [InlineData("－１２．５％", -0.125)]
    [InlineData("12.5%", 0.125)]
    [InlineData("30.4\\%", 0.304)]
    [InlineData("4/10", 0.4)]
    [InlineData("\\frac{3}{8}", 0.375)]
    [InlineData("¥4,890.17", 4890.17)]
    [InlineData("￥4,890.17", 4890.17)]
    [InlineData("RMB 35,625", 35625)]
    [InlineData("USD11,576.25", 11576.25)]
    [InlineData("人民币500元", 500)]
    [InlineData("4次", 4)]
    [InlineData("3x", 3)]
    [InlineData("15倍", 15)]
    [InlineData("1,000 shares", 1000)]
    [InlineData("-130（万元）", -1_300_000)]
    [InlineData("\\text{12.5}\\%", 0.125)]
    public void Reads_the_value(string text, double expected)
    {
        var all = NumberParser.Parse(text);
        Assert.Single(all);
        Assert.Equal((decimal)expected, all[0].Value);
    }

    [Fact]
    public void Keeps_written_precision_and_unit()
    {
        var q = NumberParser.Parse("23.456亿元")[0];
        Assert.Equal(3, q.Decimals);
        Assert.Equal(23.456m, q.Written);
        Assert.Equal(100_000_000m, q.Scale);
        Assert.Equal("亿", q.MagnitudeWord);

        var p = NumberParser.Parse("4.3%")[0];
        Assert.True(p.IsPercent);
        Assert.Equal(1, p.Decimals);
        Assert.Equal(0.01m, p.Scale);
    }

    [Fact]
    public void Binary_minus_is_not_a_sign()
    {
        var all = NumberParser.Parse("1,350 - 1,800 = -450");
        Assert.Equal([1350m, 1800m, -450m], all.Select(q => q.Value));
    }

    [Fact]
    public void Labels_glued_to_letters_are_not_numbers()
    {
        Assert.Empty(NumberParser.Parse("Q3 FY2024"));
    }

    [Theory]
    [InlineData("2023年3月1日")]
    [InlineData("2023-03-01")]
    [InlineData("2023/03/01")]
    [InlineData("March 1, 2023")]
    [InlineData("Mar 1, 2023")]
    [InlineData("1 March 2023")]
    [InlineData("Wednesday, March 1st, 2023")]
    public void Reads_dates_in_every_form(string text)
    {
        Assert.Equal(new DateOnly(2023, 3, 1), DateParser.FindLast(text));
    }

    [Fact]
    public void Rejects_impossible_dates()
    {
        Assert.Null(DateParser.FindLast("2023-02-30"));
    }
}
