using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Tests.Verification;

public sealed class DifficultyOptionsTests
{
    private static ServiceProvider Build(IDictionary<string, string?> settings)
    {
        settings["DeepFinance:DataDirectory"] = Path.Combine(Path.GetTempPath(), "df-unused-" + Guid.NewGuid().ToString("N")[..8]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddDeepFinanceCore(configuration)
            .BuildServiceProvider();
    }

    [Theory]
    [InlineData(0.95, Difficulty.Simple)]
    [InlineData(0.9, Difficulty.Simple)]
    [InlineData(0.85, Difficulty.Medium)]
    [InlineData(0.5, Difficulty.Medium)]
    [InlineData(0.49, Difficulty.Hard)]
    [InlineData(0.0, Difficulty.Hard)]
    public void Thresholds_from_configuration_classify_pass_rates(double passRate, Difficulty expected)
    {
        using var services = Build(new Dictionary<string, string?>
        {
            ["DeepFinance:Verification:SimpleAtLeast"] = "0.9",
            ["DeepFinance:Verification:HardBelow"] = "0.5",
        });
        Assert.Equal(expected, services.GetRequiredService<QuestionStatistics>().Classify(passRate));
    }

    [Theory]
    [InlineData(0.8, Difficulty.Simple)]
    [InlineData(0.79, Difficulty.Medium)]
    [InlineData(0.3, Difficulty.Medium)]
    [InlineData(0.29, Difficulty.Hard)]
    public void Defaults_are_eighty_and_thirty_percent(double passRate, Difficulty expected)
    {
        using var services = Build(new Dictionary<string, string?>());
        Assert.Equal(expected, services.GetRequiredService<QuestionStatistics>().Classify(passRate));
    }

    [Theory]
    [InlineData("0.3", "0.8", "must not exceed")]
    [InlineData("1.5", "0.3", "SimpleAtLeast")]
    [InlineData("0.8", "-0.1", "HardBelow")]
    public void Bad_thresholds_fail_validation(string simple, string hard, string message)
    {
        using var services = Build(new Dictionary<string, string?>
        {
            ["DeepFinance:Verification:SimpleAtLeast"] = simple,
            ["DeepFinance:Verification:HardBelow"] = hard,
        });
        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<VerificationOptions>>().Value);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
