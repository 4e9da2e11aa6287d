using DeepFinance.Core.Privacy.Desensitization;

namespace DeepFinance.Core.Tests.Privacy.Desensitization;

/// <summary>Each kind of personal data is found and replaced, in Chinese and English, glued to Chinese text, full-width or grouped.</summary>
public sealed class RecognizerTests
{
    private static void AssertRedacted(string text, string value, string type)
    {
        var result = Synthetic.Redact(text);
        Assert.DoesNotContain(value, result.Text, StringComparison.Ordinal);
        var entity = Synthetic.EntityOver(result, text, value);
        Assert.True(entity is not null, $"no entity over '{value}' in: {result.Text}");
        Assert.Equal(type, entity!.Type);
    }

    [Theory]
    [InlineData("身份证号{0}，想办信用卡")]
    [InlineData("我的身份证是{0}。")]
    [InlineData("证件{0}额度多少")]
    [InlineData("My resident ID is {0}, can I open an account?")]
    public void Resident_id_with_valid_check_is_found_glued_to_chinese(string template)
    {
        foreach (var id in new[] { Synthetic.ResidentId(), Synthetic.ResidentId("320102", "19830630", "455"), Synthetic.ResidentId("510107", "20010229".Replace("2001", "2000", StringComparison.Ordinal), "328") })
        {
            var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, id);
            AssertRedacted(text, id, EntityTypes.ResidentId);
        }
    }

    [Fact]
    public void Resident_id_ending_in_x_is_found()
    {
        // Find a sequence whose check character is X.
        var id = Enumerable.Range(100, 900).Select(s => Synthetic.ResidentId("330106", "19780425", s.ToString(System.Globalization.CultureInfo.InvariantCulture))).First(i => i.EndsWith('X'));
        AssertRedacted($"本人身份证{id}，工资卡在农业银行", id, EntityTypes.ResidentId);
        AssertRedacted($"本人身份证{id.ToLowerInvariant()}。", id.ToLowerInvariant(), EntityTypes.ResidentId);
    }

    [Fact]
    public void Resident_id_in_full_width_digits_is_found_and_the_original_span_is_replaced()
    {
        var id = Synthetic.ResidentId();
        var wide = new string(id.Select(c => char.IsAsciiDigit(c) ? (char)(c - '0' + '０') : c).ToArray());
        var text = $"身份证：{wide}，谢谢";
        var result = Synthetic.Redact(text);
        Assert.Equal("身份证：[身份证号1]，谢谢", result.Text);
        var entity = Assert.Single(result.Entities);
        Assert.Equal(text.IndexOf(wide, StringComparison.Ordinal), entity.Start);
        Assert.Equal(text.IndexOf(wide, StringComparison.Ordinal) + wide.Length, entity.End);
    }

    [Fact]
    public void Resident_id_with_a_wrong_check_after_an_id_word_is_still_redacted()
    {
        var id = Synthetic.ResidentIdWithWrongCheck("440305", "19921018", "233");
        var result = Synthetic.Redact($"身份证号{id}，信用卡账单怎么分期");
        Assert.DoesNotContain(id, result.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("手机13910245567，房贷怎么算", "13910245567")]
    [InlineData("电话138-2275-9016，想转定期", "138-2275-9016")]
    [InlineData("我的手机号+86 139 1877 4502，分期手续费", "+86 139 1877 4502")]
    [InlineData("联系我0086-18610427735即可", "0086-18610427735")]
    [InlineData("手机号199 5773 1260。", "199 5773 1260")]
    [InlineData("Call me at +86 186 1042 7735 or by email.", "+86 186 1042 7735")]
    [InlineData("My mobile is (+86)15821336790.", "15821336790")]
    [InlineData("号码１３７６１１８８２０４谢谢", "１３７６１１８８２０４")]
    public void Mobile_numbers_in_every_common_writing_are_found(string text, string value) =>
        AssertRedacted(text, value, EntityTypes.Phone);

    [Theory]
    [InlineData("座机021-58793366，邮箱", "021-58793366")]
    [InlineData("回拨0755-86312047核实", "0755-86312047")]
    [InlineData("家里座机010-64218857。", "010-64218857")]
    [InlineData("Office: +86 21 5879 3366, ext 12", "+86 21 5879 3366")]
    [InlineData("电话(028)85563310", "(028)85563310")]
    [InlineData("座机64218857，想咨询", "64218857")]
    public void Landlines_with_area_code_or_after_a_phone_word_are_found(string text, string value) =>
        AssertRedacted(text, value, EntityTypes.Landline);

    [Fact]
    public void Bank_cards_of_16_to_19_digits_plain_or_grouped_are_found()
    {
        foreach (var (prefix, length) in new[] { ("622202", 19), ("621483", 16), ("622848", 19), ("448512", 16), ("542418", 16), ("621661", 19), ("622588", 16) })
        {
            var card = Synthetic.Card(prefix, length);
            AssertRedacted($"还款卡{card}，欠款3.2万元", card, EntityTypes.BankCard);
            var grouped = string.Join(' ', card.Chunk(4).Select(c => new string(c)));
            AssertRedacted($"卡号{grouped}里还有8万元", grouped, EntityTypes.BankCard);
            var dashed = string.Join('-', card.Chunk(4).Select(c => new string(c)));
            AssertRedacted($"My card {dashed} was charged twice.", dashed, EntityTypes.BankCard);
        }
    }

    [Fact]
    public void A_unionpay_card_that_fails_luhn_is_still_redacted()
    {
        var card = Synthetic.CardWithWrongCheck("622202", 19);
        var result = Synthetic.Redact($"工资卡{card}（工商银行）");
        Assert.DoesNotContain(card, result.Text, StringComparison.Ordinal);
        Assert.Contains("（工商银行）", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Unified_social_credit_codes_are_found_with_letters_or_all_digits()
    {
        foreach (var first17 in new[] { "91310115MA1FL3K29", "91440305792583418", "92330106MA2H7K4C2" })
        {
            var code = Synthetic.Uscc(first17);
            AssertRedacted($"统一社会信用代码{code}的公司想开户", code, EntityTypes.Uscc);
            AssertRedacted($"Our company (credit code {code}) needs a loan.", code, EntityTypes.Uscc);
        }
    }

    [Theory]
    [InlineData("邮箱wujing_0815@163.com。孩子", "wujing_0815@163.com")]
    [InlineData("请发到chenxm@hengtai-cap.com，谢谢", "chenxm@hengtai-cap.com")]
    [InlineData("reach me at d.chen.invest@outlook.com.", "d.chen.invest@outlook.com")]
    [InlineData("邮箱ｈｅｊｉａｑｉ＠ｑｑ．ｃｏｍ", "ｈｅｊｉａｑｉ＠ｑｑ．ｃｏｍ")]
    public void Emails_are_found_without_the_chinese_around_them(string text, string value) =>
        AssertRedacted(text, value, EntityTypes.Email);

    [Theory]
    [InlineData("护照号EB2651837。", "EB2651837")]
    [InlineData("passport E48261937, and", "E48261937")]
    [InlineData("US passport 548913207.", "548913207")]
    [InlineData("护照G12345678办理购汇", "G12345678")]
    [InlineData("港澳通行证H12345678", "H12345678")]
    public void Passports_are_found(string text, string value) => AssertRedacted(text, value, EntityTypes.Passport);

    [Theory]
    [InlineData("车牌号是沪A·D23581，车险", "沪A·D23581")]
    [InlineData("车牌粤B7H35Q。准备", "粤B7H35Q")]
    [InlineData("车牌京N8K2T6，车主", "京N8K2T6")]
    [InlineData("新能源车浙A12345D的保费", "浙A12345D")]
    public void Licence_plates_are_found(string text, string value) => AssertRedacted(text, value, EntityTypes.LicensePlate);

    [Theory]
    [InlineData("网银在IP 203.0.113.45 登录", "203.0.113.45")]
    [InlineData("a login from 198.51.100.23.", "198.51.100.23")]
    [InlineData("登录IP是61.148.76.219，", "61.148.76.219")]
    public void Ipv4_addresses_are_found(string text, string value) => AssertRedacted(text, value, EntityTypes.Ip);

    [Theory]
    [InlineData("上海A股证券账户A589203716，手机", "A589203716")]
    [InlineData("基金账户号为101023658847，昨天", "101023658847")]
    [InlineData("公积金个人账号110132876540。", "110132876540")]
    [InlineData("基本户账号44201585000052013368。想申请", "44201585000052013368")]
    [InlineData("my Interactive Brokers account number is U7345821. I want", "U7345821")]
    [InlineData("存折号：6001 2345 6789，", "6001 2345 6789")]
    [InlineData("我的支付宝账号是pay_zhang2024，", "pay_zhang2024")]
    [InlineData("微信号wxid_8k2j3h9，加我", "wxid_8k2j3h9")]
    [InlineData("Client account #7788123450 was frozen.", "7788123450")]
    public void Account_numbers_and_app_ids_are_found_after_their_context_words(string text, string value) =>
        AssertRedacted(text, value, EntityTypes.AccountNumber);

    [Theory]
    [InlineData("验证码是834920，要不要给对方", "834920")]
    [InlineData("my online banking password is Qw3rty!9.", "Qw3rty!9")]
    [InlineData("信用卡CVV 123", "123")]
    public void Credentials_are_found_and_graded_c3(string text, string value)
    {
        var result = Synthetic.Redact(text);
        if (value.Length >= 4)
        {
            Assert.DoesNotContain(value, result.Text, StringComparison.Ordinal);
            Assert.Equal(SensitivityLevel.C3, result.HighestLevel);
        }
        else
        {
            // Three characters are too short to tell from a count; left alone on purpose.
            Assert.Contains(value, result.Text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("我叫王建国，身份证号", "王建国")]
    [InlineData("我叫吴静，护照号", "吴静")]
    [InlineData("客户罗文斌的基金账户", "罗文斌")]
    [InlineData("客户张伟想办贷款", "张伟")]
    [InlineData("联系人：陈晓明，座机", "陈晓明")]
    [InlineData("和爱人黄晓燕想作为共同借款人", "黄晓燕")]
    [InlineData("法定代表人周海涛，手机", "周海涛")]
    [InlineData("车主马俊杰，手机", "马俊杰")]
    [InlineData("被保险人林志远，住址", "林志远")]
    [InlineData("您好，我是李秀英，手机", "李秀英")]
    [InlineData("姓名：欧阳晓峰，性别男", "欧阳晓峰")]
    [InlineData("麻烦转告黄晓燕女士，她的贷款批了", "黄晓燕")]
    [InlineData("持卡人司马光明申请提额", "司马光明")]
    [InlineData("客户说他叫宋江，身份证丢了", "宋江")]
    [InlineData("客户张伟贷款20万元", "张伟")]
    [InlineData("投保人：赵敏，被保险人：赵小宝（儿子）", "赵小宝")]
    public void Chinese_names_are_found_after_cues_and_before_honorifics(string text, string value) =>
        AssertRedacted(text, value, EntityTypes.PersonName);

    [Fact]
    public void A_name_found_once_is_replaced_everywhere_with_the_same_placeholder()
    {
        var result = Synthetic.Redact("客户张伟，身份证已核对。张伟的贷款20万元，张伟想分36期。");
        Assert.Equal("客户[姓名1]，身份证已核对。[姓名1]的贷款20万元，[姓名1]想分36期。", result.Text);
    }

    [Fact]
    public void Surname_with_honorific_is_replaced()
    {
        var result = Synthetic.Redact("客户王先生想提前还款30万元");
        Assert.Equal("客户[姓名1]先生想提前还款30万元", result.Text);
    }

    [Theory]
    [InlineData("I'm David Chen, reachable at", "David Chen")]
    [InlineData("My name is Sarah Lee, passport", "Sarah Lee")]
    [InlineData("Hi, this is Michael Thompson (m@x.com).", "Michael Thompson")]
    [InlineData("I’m Olivia Martinez, and my broker", "Olivia Martinez")]
    [InlineData("Please contact Mr. Robert Brown about it.", "Robert Brown")]
    [InlineData("Customer Mary-Jane O'Neil asked", "Mary-Jane O'Neil")]
    [InlineData("I'm Han Dongmei, currently on a trip", "Han Dongmei")]
    [InlineData("Dear Ms. Johnson, your loan", "Johnson")]
    public void English_names_are_found_after_cues(string text, string value) =>
        AssertRedacted(text, value, EntityTypes.PersonName);

    [Theory]
    [InlineData("现住址上海市浦东新区锦绣东路2666弄18号1203室，想办", "上海市浦东新区锦绣东路2666弄18号1203室")]
    [InlineData("房子在北京市海淀区学院南路68号院5号楼2单元602室，家里", "北京市海淀区学院南路68号院5号楼2单元602室")]
    [InlineData("商铺在成都市锦江区春熙路南段18号2层B-12号，联系", "成都市锦江区春熙路南段18号2层B-12号")]
    [InlineData("住址广州市天河区体育西路168号云汇大厦2栋1503室，联系电话", "广州市天河区体育西路168号云汇大厦2栋1503室")]
    [InlineData("我住在江苏省南京市鼓楼区中山北路32号3栋501室。", "江苏省南京市鼓楼区中山北路32号3栋501室")]
    [InlineData("家在阳光花园7栋2单元1101，想卖房", "阳光花园7栋2单元1101")]
    public void Chinese_street_addresses_are_found_from_the_city_down_to_the_room(string text, string value)
    {
        var result = Synthetic.Redact(text);
        Assert.DoesNotContain(value, result.Text, StringComparison.Ordinal);
        var entity = Synthetic.EntityOver(result, text, value);
        Assert.NotNull(entity);
        Assert.Equal(EntityTypes.Address, entity!.Type);
    }

    [Fact]
    public void A_chinese_address_starts_at_the_city_not_at_the_cue_before_it()
    {
        var result = Synthetic.Redact("客户现住址上海市浦东新区锦绣东路2666弄18号1203室，想贷款");
        Assert.Equal("客户现住址[地址1]，想贷款", result.Text);
    }

    [Theory]
    [InlineData("billing address 2150 Oak Street, Apt 4B, San Jose, CA 95128. How", "2150 Oak Street, Apt 4B, San Jose, CA 95128")]
    [InlineData("at Room 2203, Building 5, Jinxiu Garden, 18 Xiangmihu Road, Futian District, Shenzhen. The", "Room 2203, Building 5, Jinxiu Garden, 18 Xiangmihu Road, Futian District, Shenzhen")]
    [InlineData("I live at 77 Queen's Road? No: 77 Nathan Road, Kowloon.", "77 Nathan Road, Kowloon")]
    public void English_street_addresses_are_found(string text, string value)
    {
        var result = Synthetic.Redact(text);
        Assert.DoesNotContain(value, result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_glued_to_chinese_on_both_sides_are_found()
    {
        var card = Synthetic.Card("621700", 19);
        var id = Synthetic.ResidentId("610113", "19970112", "192");
        var text = $"卡{card}和身份证{id}以及手机17701356628都丢了";
        var result = Synthetic.Redact(text);
        Assert.Equal("卡[银行卡号1]和身份证[身份证号1]以及手机[手机号1]都丢了", result.Text);
    }

    [Theory]
    [InlineData("联系人张伟和李娜，电话另告", "李娜")]
    [InlineData("车主张三丰想办车贷", "张三丰")]
    [InlineData("客户经理李娜说利率3.5%", "李娜")]
    [InlineData("麻烦查一下王小明的身份证是否过期", "王小明")]
    [InlineData("My daughter Emily Zhang wants a student account.", "Emily Zhang")]
    [InlineData("I'm writing on behalf of Thomas Anderson about his loan.", "Thomas Anderson")]
    public void Names_listed_together_or_followed_by_their_identifiers_are_found(string text, string value) =>
        AssertRedacted(text, value, EntityTypes.PersonName);

    [Theory]
    [InlineData("出生日期1996年3月5日，年收入30万元", "1996年3月5日")]
    [InlineData("my date of birth is 1988-07-14 and I earn $90,000.", "1988-07-14")]
    [InlineData("born on March 3, 1979, retiring at 60", "March 3, 1979")]
    public void Birth_dates_go_while_other_dates_stay(string text, string value)
    {
        AssertRedacted(text, value, EntityTypes.BirthDate);
        var other = Synthetic.Redact("2024年3月15日买入，2024-06-30到期。");
        Assert.Empty(other.Entities);
    }

    [Theory]
    [InlineData("my phone is +1 415 555 0132.", "+1 415 555 0132")]
    [InlineData("call me at (415) 555-0132 tomorrow", "(415) 555-0132")]
    [InlineData("UK mobile +44 7700 900123, please", "+44 7700 900123")]
    public void Foreign_phone_numbers_with_a_country_code_or_after_a_phone_word_are_found(string text, string value) =>
        AssertRedacted(text, value, EntityTypes.Phone);

    [Fact]
    public void An_account_number_stops_before_the_words_after_it()
    {
        var result = Synthetic.Redact("wire to account 1234567890123 at Bank of China.");
        Assert.Equal("wire to account [ACCOUNT1] at Bank of China.", result.Text);
    }

    [Theory]
    [InlineData("IBAN GB29 NWBK 6016 1331 9268 19 for the transfer", "GB29 NWBK 6016 1331 9268 19")]
    [InlineData("to DE89370400440532013000, fee 0.1%", "DE89370400440532013000")]
    public void Ibans_with_a_valid_check_are_found(string text, string value) => AssertRedacted(text, value, EntityTypes.AccountNumber);

    [Fact]
    public void A_chinese_address_written_with_spaces_around_numbers_is_found()
    {
        var result = Synthetic.Redact("地址：南京市鼓楼区中山路 321 号 5 栋 1202 室，贷款100万元");
        Assert.Equal("地址：[地址1]，贷款100万元", result.Text);
    }

    [Fact]
    public void A_name_before_sex_and_age_is_found() =>
        AssertRedacted("张伟，男，35岁，年收入40万元，想买年金险", "张伟", EntityTypes.PersonName);

    [Fact]
    public void A_resident_id_in_groups_of_four_is_found_whole()
    {
        var id = Enumerable.Range(100, 900).Select(s => Synthetic.ResidentId("330106", "19780425", s.ToString(System.Globalization.CultureInfo.InvariantCulture))).First(i => i.EndsWith('X'));
        var grouped = string.Join(' ', id.Chunk(4).Select(c => new string(c)));
        var result = Synthetic.Redact($"身份证号 {grouped}，贷款30万元。");
        Assert.Equal("身份证号 [身份证号1]，贷款30万元。", result.Text);
    }

    [Fact]
    public void A_mistyped_tax_code_after_its_word_is_still_redacted()
    {
        var result = Synthetic.Redact("公司税号91330100MA27XYZ12Q，开票金额10万元，税率6%。");
        Assert.Equal("公司税号[信用代码1]，开票金额10万元，税率6%。", result.Text);
    }
}
