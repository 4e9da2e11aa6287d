using DeepFinance.Core.Extraction;
using DeepFinance.Core.Runs;

namespace Microsoft.Extensions.DependencyInjection;

public static class ExtractionServiceCollectionExtensions
{
    /// <summary>
    /// Multi-perspective extraction beyond Q2A: raw documents chunked into passages, the <c>extract</c>, <c>a2q</c> and
    /// <c>t2q</c> run kinds, their yields and lineage queries.
    /// </summary>
    public static IServiceCollection AddExtraction(this IServiceCollection services) => services
        .AddSingleton<DerivedQueries>()
        .AddSingleton<DocumentImporter>()
        .AddSingleton<DocumentQueries>()
        .AddRunKind<ExtractRunHandler>()
        .AddRunKind<A2qRunHandler>()
        .AddRunKind<T2qRunHandler>();
}
