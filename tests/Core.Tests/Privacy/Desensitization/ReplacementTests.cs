using DeepFinance.Core.Privacy.Desensitization;

namespace DeepFinance.Core.Tests.Privacy.Desensitization;

/// <summary>Placeholders, masks and fakes: consistent within a query, configurable per type, never the original.</summary>
public sealed class ReplacementTests
{
    private const string Text = "客户张伟手机13910245567，爱人李秀英手机+86 139 1024 5567也是这个号。张伟的卡6222021602004589133。";

    [Fact]
    public void Placeholders_are_numbered_per_type_and_the_same_value_gets_the_same_placeholder()
    {
        var result = Synthetic.Redact(Text);
        Assert.Equal("客户[姓名1]手机[手机号1]，爱人[姓名2]手机[手机号1]也是这个号。[姓名1]的卡[银行卡号1]。", result.Text);
    }

    [Fact]
    public void English_text_gets_english_placeholders()
    {
        var result = Synthetic.Redact("I'm David Chen, phone 13910245567, email d.chen@outlook.com.");
        Assert.Equal("I'm [NAME1], phone [PHONE1], email [EMAIL1].", result.Text);
    }

    [Fact]
    public void Mask_keeps_the_shape_but_not_the_value()
    {
        var result = Synthetic.Redact("手机13918774502，卡号6217 0031 2045 8867 113，邮箱wujing@163.com，我叫王建国。", ReplacementMode.Mask);
        Assert.Equal("手机139****4502，卡号621* **** **** ***7 113，邮箱w***@163.com，我叫王**。", result.Text);
    }

    [Fact]
    public void Fakes_are_format_valid_consistent_and_differ_from_the_originals()
    {
        var id = Synthetic.ResidentId();
        var card = Synthetic.Card("622202", 19);
        var uscc = Synthetic.Uscc();
        var text = $"身份证{id}，卡{card}，公司代码{uscc}，身份证再写一遍{id}。";
        var result = Synthetic.Redact(text, ReplacementMode.Fake);

        var byType = result.Entities.GroupBy(e => e.Type).ToDictionary(g => g.Key, g => g.Select(e => e.Replacement).ToList());
        var fakeId = byType[EntityTypes.ResidentId][0];
        Assert.Equal(2, byType[EntityTypes.ResidentId].Count);
        Assert.Equal(fakeId, byType[EntityTypes.ResidentId][1]);
        Assert.True(IdentifierChecks.IsValidResidentId(fakeId), fakeId);
        Assert.NotEqual(id, fakeId);

        var fakeCard = byType[EntityTypes.BankCard][0];
        Assert.Equal(19, fakeCard.Length);
        Assert.True(IdentifierChecks.IsLuhnValid(fakeCard), fakeCard);
        Assert.NotEqual(card, fakeCard);

        var fakeUscc = byType[EntityTypes.Uscc][0];
        Assert.True(IdentifierChecks.IsValidUscc(fakeUscc), fakeUscc);
        Assert.NotEqual(uscc, fakeUscc);

        Assert.DoesNotContain(id, result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(card, result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Modes_are_chosen_per_type()
    {
        var options = new DesensitizationOptions { DefaultMode = ReplacementMode.Placeholder };
        options.Modes[EntityTypes.Phone] = ReplacementMode.Mask;
        var result = new Desensitizer(options).Desensitize("我叫王建国，手机13918774502。");
        Assert.Equal("我叫[姓名1]，手机139****4502。", result.Text);
    }

    [Fact]
    public void Entities_carry_type_level_position_confidence_and_recognizer_in_original_offsets()
    {
        var text = "😀我叫王建国，手机１３９１８７７４５０２。";
        var result = Synthetic.Redact(text);
        Assert.Collection(result.Entities,
            name =>
            {
                Assert.Equal(EntityTypes.PersonName, name.Type);
                Assert.Equal("王建国", text[name.Start..name.End]);
                Assert.Equal(SensitivityLevel.C2, name.Level);
                Assert.Equal("PersonNameRecognizer", name.Recognizer);
                Assert.InRange(name.Confidence, 0.4, 1.0);
            },
            phone =>
            {
                Assert.Equal(EntityTypes.Phone, phone.Type);
                Assert.Equal("１３９１８７７４５０２", text[phone.Start..phone.End]);
                Assert.Equal("MobilePhoneRecognizer", phone.Recognizer);
            });
    }

    [Fact]
    public void Same_input_gives_the_same_output_every_time()
    {
        var first = Synthetic.Redact(Text, ReplacementMode.Fake);
        var second = Synthetic.Redact(Text, ReplacementMode.Fake);
        Assert.Equal(first.Text, second.Text);
    }
}
