using DeepFinance.Core.Annotation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class AnnotationServiceCollectionExtensions
{
    /// <summary>
    /// Real-world queries: import, the expert workbench, agreement, erasure and retention (options validated at start).
    /// The host adds an <see cref="IRawTextProtector"/> and an <see cref="IExpertDirectory"/>.
    /// </summary>
    public static IServiceCollection AddAnnotation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RealWorldOptions>().Bind(configuration.GetSection(RealWorldOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        return services
            .AddSingleton<AnnotationCatalog>()
            .AddSingleton<RealWorldImporter>()
            .AddSingleton<AnnotationWorkbench>()
            .AddSingleton<AgreementQueries>()
            .AddSingleton<RawTextErasure>();
    }
}
