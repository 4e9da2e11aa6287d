using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Curation;

public static class CurationServiceCollectionExtensions
{
    /// <summary>The text normaliser and the duplicate detector (dedup now; decontamination and A2Q's check call the same).</summary>
    public static IServiceCollection AddCuration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DedupOptions>().Bind(configuration.GetSection(DedupOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<DedupOptions>, DedupOptionsValidator>();
        services.AddSingleton(TextNormalizer.Instance);
        services.AddSingleton<IDuplicateDetector, DuplicateDetector>();
        return services;
    }
}
