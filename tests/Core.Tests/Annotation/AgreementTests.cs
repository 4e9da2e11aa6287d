using DeepFinance.Core.Annotation;
using DeepFinance.Core.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Tests.Annotation;

public sealed class AgreementTests
{
    [Fact]
    public void Cohens_kappa_matches_the_textbook_two_by_two_table()
    {
        // 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: observed 0.7, expected 0.5 → kappa 0.4.
        var pairs = Enumerable.Repeat((1, 1), 20).Concat(Enumerable.Repeat((1, 0), 5)).Concat(Enumerable.Repeat((0, 1), 10))
            .Concat(Enumerable.Repeat((0, 0), 15)).ToList();
        Assert.Equal(0.4, AgreementQueries.CohensKappa(pairs)!.Value, 6);
    }

    [Fact]
    public void Fleiss_kappa_is_one_for_full_agreement_and_below_zero_for_systematic_disagreement()
    {
        IReadOnlyList<IReadOnlyList<int>> agree = [[0, 0, 0], [1, 1, 1], [2, 2, 2]];
        Assert.Equal(1.0, AgreementQueries.FleissKappa(agree)!.Value, 6);
        IReadOnlyList<IReadOnlyList<int>> split = [[0, 1], [1, 0], [0, 1], [1, 0]];
        Assert.True(AgreementQueries.FleissKappa(split) < 0);
    }

    [Fact]
    public void Ordinal_alpha_punishes_a_simple_against_hard_split_more_than_a_neighbouring_one()
    {
        IReadOnlyList<IReadOnlyList<int>> near = [[0, 0], [1, 1], [2, 2], [0, 1], [2, 2], [1, 1]];
        IReadOnlyList<IReadOnlyList<int>> far = [[0, 0], [1, 1], [2, 2], [0, 2], [2, 2], [1, 1]];
        var a = AgreementQueries.KrippendorffOrdinal(near)!.Value;
        var b = AgreementQueries.KrippendorffOrdinal(far)!.Value;
        Assert.True(a > b, $"near {a} should exceed far {b}");
        Assert.Equal(1.0, AgreementQueries.KrippendorffOrdinal([[0, 0], [2, 2], [1, 1]])!.Value, 6);
    }

    [Fact]
    public void The_state_table_refuses_moves_it_does_not_list_naming_the_status()
    {
        Assert.Equal(RealWorldQueryStatus.Checked, RealWorldStates.After(1, RealWorldQueryStatus.AwaitingCheck, RealWorldStep.Check));
        var refused = Assert.Throws<RealWorldConflictException>(() => RealWorldStates.After(7, RealWorldQueryStatus.Approved, RealWorldStep.Annotate));
        Assert.Contains("#7 is approved", refused.Message, StringComparison.Ordinal);
        Assert.False(RealWorldStates.Allows(RealWorldQueryStatus.AwaitingCheck, RealWorldStep.Annotate));
    }
}

public sealed class RealWorldOptionsTests
{
    [Theory]
    [InlineData("DeepFinance:RealWorld:RetentionDays", "0", "RetentionDays")]
    [InlineData("DeepFinance:RealWorld:ExpertsPerQuery", "11", "ExpertsPerQuery")]
    [InlineData("DeepFinance:RealWorld:RetentionSweepMinutes", "0", "RetentionSweepMinutes")]
    public void A_setting_out_of_range_is_refused_naming_it(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddAnnotation(configuration).BuildServiceProvider();
        var options = services.GetRequiredService<IOptions<RealWorldOptions>>();
        var error = Assert.Throws<OptionsValidationException>(() => options.Value.RetentionDays);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
