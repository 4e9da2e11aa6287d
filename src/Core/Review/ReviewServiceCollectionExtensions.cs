using DeepFinance.Core.Review;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class ReviewServiceCollectionExtensions
{
    /// <summary>The reviewer's workbench: queue, reservations, decisions, disputes, statistics and what enters a dataset.</summary>
    public static IServiceCollection AddReview(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReviewOptions>().Bind(configuration.GetSection(ReviewOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReviewOptions>, ReviewOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        return services
            .AddSingleton<ReviewQueries>()
            .AddSingleton<ReviewWorkbench>()
            .AddSingleton<ReferenceDisputes>()
            .AddSingleton<DatasetCandidates>();
    }
}
