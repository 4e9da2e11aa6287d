using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Curation;

public static class CurationServiceCollectionExtensions
{
    /// <summary>
    /// The text normaliser and the duplicate detector (dedup, decontamination and A2Q's check call the same), benchmark
    /// import and decontamination, and the quality screen a trace passes before it enters a dataset.
    /// </summary>
    public static IServiceCollection AddCuration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DedupOptions>().Bind(configuration.GetSection(DedupOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<DedupOptions>, DedupOptionsValidator>();
        services.AddSingleton(TextNormalizer.Instance);
        services.AddSingleton<IDuplicateDetector, DuplicateDetector>();

        services.AddOptions<DecontaminationOptions>().Bind(configuration.GetSection(DecontaminationOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BenchmarkImporter>().AddSingleton<Decontaminator>().AddSingleton<BenchmarkQueries>()
            .AddSingleton<IContaminationIndex, ContaminationIndex>();

        services.AddOptions<QualityOptions>().Bind(configuration.GetSection(QualityOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<QualityOptions>, QualityOptionsValidator>();
        services.AddSingleton<QualityScreen>();
        return services;
    }
}
