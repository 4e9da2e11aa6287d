using DeepFinance.Core.Release.Export;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class ReleaseExportServiceCollectionExtensions
{
    /// <summary>Exporters that read a Ready release's frozen rows into trainer formats and a dataset card.</summary>
    public static IServiceCollection AddReleaseExport(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services.AddSingleton<ReleaseRowReader>().AddSingleton<ReleaseExporter>();
    }
}
