using DeepFinance.Core.Extraction;
using DeepFinance.Core.Runs;

namespace Microsoft.Extensions.DependencyInjection;

public static class ExtractionServiceCollectionExtensions
{
    /// <summary>Multi-perspective extraction beyond Q2A: the <c>a2q</c> and <c>t2q</c> run kinds, their yields and lineage queries,
    /// the question browser, and knowledge points merged across traces.</summary>
    public static IServiceCollection AddExtraction(this IServiceCollection services) => services
        .AddSingleton<DerivedQueries>()
        .AddSingleton<KnowledgePointMerger>()
        .AddSingleton<KnowledgePointQueries>()
        .AddSingleton<QuestionBrowser>()
        .AddRunKind<A2qRunHandler>()
        .AddRunKind<T2qRunHandler>();
}
