using DeepFinance.Core.Curation;

namespace DeepFinance.Core.Tests.Curation;

/// <summary>The normaliser erases what a reader would not notice and nothing a reader would.</summary>
public sealed class TextNormalizerTests
{
    private static string Key(string text) => TextNormalizer.Instance.Key(text);

    [Theory]
    [InlineData("年化收益率４．５％，本金２０万元，一年利息多少？", "年化收益率4.5%，本金20万元，一年利息多少?")] // width
    [InlineData("What Is The EPS Of A Firm Earning $2,400,000 With 1,200,000 Shares?", "what is the eps of a firm earning $2400000 with 1200000 shares")] // case, separators
    [InlineData("本金 5万元，\n期限  2年，\t利息多少", "本金5万元期限2年利息多少")] // whitespace, line breaks
    [InlineData("「判断」：净资产=资产-负债。", "判断 净资产=资产-负债")] // punctuation, but '=' kept
    [InlineData("请问一下，基金申购费怎么算？", "基金申购费怎么算")] // Chinese fillers
    [InlineData("麻烦帮我算一下：年金终值系数是多少", "年金终值系数是多少")]
    [InlineData("Could you please calculate the payback period of the plant?", "Calculate the payback period of the plant.")] // English fillers
    [InlineData("Kindly compute the ROE.", "compute the ROE")]
    [InlineData("净值1.2000元", "净值1.2元")] // trailing decimal zeros
    public void Texts_that_read_the_same_share_a_key(string a, string b) => Assert.Equal(Key(a), Key(b));

    [Theory]
    [InlineData("利率是-6%", "利率是6%")] // a sign is kept
    [InlineData("汇率7.12", "汇率7.21")] // digits are kept
    [InlineData("下列说法正确的是", "下列说法不正确的是")] // negation is kept
    [InlineData("Which is a liability?", "Which is not a liability?")]
    [InlineData("This bond isn't callable.", "This bond is callable.")] // contractions expand to a negation
    [InlineData("12.5%", "12.5")] // a percent is not a bare number
    [InlineData("申请贷款需要什么材料", "贷款需要什么材料")] // 请 inside a word is not a filler
    [InlineData("1,2,3", "123")] // only real thousands groups lose their commas
    public void Texts_that_mean_different_things_keep_different_keys(string a, string b) => Assert.NotEqual(Key(a), Key(b));

    [Fact]
    public void The_key_joins_chinese_and_spaces_english_words_and_numbers()
    {
        Assert.Equal("贷款100万元 期限30年", TextNormalizer.Instance.Normalize("贷款100万元，期限30年").Key.Replace("期", " 期", StringComparison.Ordinal));
        Assert.Equal("a 5 year bond priced at 98.5", Key("A 5-year bond, priced at 98.50."));
    }

    [Fact]
    public void The_compact_form_reads_back_into_the_same_tokens()
    {
        var text = TextNormalizer.Instance.Normalize("以每股20元买入1,000股，后来 sell at $30 — what's the return?");
        var back = NormalizedText.FromCompact(text.ToCompact());
        Assert.Equal(text.Tokens, back.Tokens);
        Assert.Equal(text.Key, back.Key);
    }
}
