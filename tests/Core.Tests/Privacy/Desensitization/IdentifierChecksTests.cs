using DeepFinance.Core.Privacy.Desensitization;

namespace DeepFinance.Core.Tests.Privacy.Desensitization;

public sealed class IdentifierChecksTests
{
    [Theory]
    [InlineData("11010519491231002X")] // GB 11643 Appendix A
    [InlineData("360426199101010071")] // python-stdnum doctest
    [InlineData("11010519491231002x")] // lower-case x is the same check character
    public void Resident_id_check_character_accepts_the_standard_test_vectors(string id) =>
        Assert.True(IdentifierChecks.IsValidResidentId(id));

    [Fact]
    public void Resident_id_check_character_agrees_with_an_independent_computation_for_many_ids()
    {
        for (var seq = 100; seq < 400; seq += 7)
        {
            var id = Synthetic.ResidentId("440305", "19921018", seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(IdentifierChecks.IsValidResidentId(id), id);
        }
    }

    [Theory]
    [InlineData("110105199002300011")] // 30 February
    [InlineData("110105199013010011")] // month 13
    [InlineData("110105180001010011")] // before 1900
    [InlineData("11010519900307851")] // 17 characters
    public void Resident_id_with_an_impossible_birth_date_or_length_is_invalid(string first17OrId)
    {
        var id = first17OrId.Length == 18 ? first17OrId[..17] + IdentifierChecks.ResidentIdCheckChar(first17OrId.AsSpan(0, 17)) : first17OrId;
        Assert.False(IdentifierChecks.IsValidResidentId(id));
    }

    [Fact]
    public void Resident_id_with_a_wrong_check_character_is_invalid() =>
        Assert.False(IdentifierChecks.IsValidResidentId(Synthetic.ResidentIdWithWrongCheck()));

    [Theory]
    [InlineData("79927398713")]
    [InlineData("4111111111111111")]
    public void Luhn_accepts_the_textbook_vectors(string digits) => Assert.True(IdentifierChecks.IsLuhnValid(digits));

    [Fact]
    public void Luhn_rejects_a_changed_last_digit_and_the_check_digit_round_trips()
    {
        var card = Synthetic.Card("622848", 19);
        Assert.True(IdentifierChecks.IsLuhnValid(card));
        Assert.False(IdentifierChecks.IsLuhnValid(Synthetic.CardWithWrongCheck("622848", 19)));
        Assert.Equal(card[^1], IdentifierChecks.LuhnCheckDigit(card.AsSpan(0, card.Length - 1)));
    }

    [Fact]
    public void Uscc_check_character_accepts_the_stdnum_vector_and_rejects_the_misprinted_standard_example()
    {
        Assert.True(IdentifierChecks.IsValidUscc("91110000600037341L"));
        Assert.False(IdentifierChecks.IsValidUscc("91350100M000100Y4Z"));
    }

    [Theory]
    [InlineData("91440300MA5FXT2Q7")]
    [InlineData("92330106MA2H7K4C2")]
    [InlineData("12100000400000000")]
    public void Uscc_check_character_agrees_with_an_independent_computation(string first17)
    {
        var code = Synthetic.Uscc(first17);
        Assert.True(IdentifierChecks.IsValidUscc(code), code);
        var wrong = code[..17] + (code[17] == '0' ? '1' : '0');
        Assert.False(IdentifierChecks.IsValidUscc(wrong));
    }
}
