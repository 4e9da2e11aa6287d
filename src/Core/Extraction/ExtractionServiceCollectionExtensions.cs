using DeepFinance.Core.Extraction;
using DeepFinance.Core.Runs;

namespace Microsoft.Extensions.DependencyInjection;

public static class ExtractionServiceCollectionExtensions
{
    /// <summary>Multi-perspective extraction beyond Q2A: the <c>a2q</c> and <c>t2q</c> run kinds, their yields and lineage queries.</summary>
    public static IServiceCollection AddExtraction(this IServiceCollection services) => services
        .AddSingleton<DerivedQueries>()
        .AddRunKind<A2qRunHandler>()
        .AddRunKind<T2qRunHandler>();
}
