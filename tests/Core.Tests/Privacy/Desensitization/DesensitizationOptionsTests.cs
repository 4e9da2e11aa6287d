using DeepFinance.Core.Privacy.Desensitization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Tests.Privacy.Desensitization;

public sealed class DesensitizationOptionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddDesensitization(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).BuildServiceProvider();

    [Fact]
    public void Modes_per_type_are_bound_from_configuration()
    {
        using var services = Build(new() { ["DeepFinance:Desensitization:DefaultMode"] = "Fake", ["DeepFinance:Desensitization:Modes:person_name"] = "Placeholder" });
        var result = services.GetRequiredService<Desensitizer>().Desensitize("我叫王建国，手机13918774502。");
        Assert.StartsWith("我叫[姓名1]，手机1380000", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mode_for_an_unknown_type_fails_naming_the_setting()
    {
        using var services = Build(new() { ["DeepFinance:Desensitization:Modes:mobile"] = "Mask" });
        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<Desensitizer>());
        Assert.Contains("DeepFinance:Desensitization:Modes:mobile is not an entity type", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_minimum_confidence_outside_0_to_1_fails()
    {
        using var services = Build(new() { ["DeepFinance:Desensitization:MinimumConfidence"] = "1.5" });
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<Desensitizer>());
    }
}
