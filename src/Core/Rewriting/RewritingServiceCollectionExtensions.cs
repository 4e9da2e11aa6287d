using DeepFinance.Core.Rewriting;
using DeepFinance.Core.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class RewritingServiceCollectionExtensions
{
    /// <summary>Self-correction rewriting: the <c>scr</c> run kind and its leak-screen settings (checked at start-up).</summary>
    public static IServiceCollection AddRewriting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RewritingOptions>().Bind(configuration.GetSection(RewritingOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<RewritingOptions>, RewritingOptionsValidator>();
        return services.AddSingleton<ScrYieldQueries>().AddRunKind<ScrRunHandler>();
    }
}
