using DeepFinance.Core.Release;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class ReleaseServiceCollectionExtensions
{
    /// <summary>Releases: the builder that freezes them, the PII scan and its fixes and waivers, and the queries. Needs review, curation and desensitization.</summary>
    public static IServiceCollection AddReleases(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services
            .AddSingleton<ReleasePiiScanner>()
            .AddSingleton<ReleaseBuilder>()
            .AddSingleton<ReleasePiiReview>()
            .AddSingleton<ReleaseQueries>();
    }
}
