using DeepFinance.Core.Extraction;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;

namespace Microsoft.Extensions.DependencyInjection;

public static class ExtractionServiceCollectionExtensions
{
    /// <summary>
    /// Multi-perspective extraction beyond Q2A: raw documents chunked into passages, the <c>extract</c>, <c>a2q</c> and
    /// <c>t2q</c> run kinds, their yields and lineage queries, the question browser, and knowledge points merged across traces.
    /// </summary>
    public static IServiceCollection AddExtraction(this IServiceCollection services) => services
        .AddSingleton<DerivedQueries>()
        .AddSingleton<KnowledgePointMerger>()
        .AddSingleton<KnowledgePointQueries>()
        .AddSingleton<QuestionBrowser>()
        .AddSingleton<DocumentImporter>()
        .AddSingleton<DocumentQueries>()
        .AddRunKind<ExtractRunHandler>()
        .AddSingleton<IPromptPreviewSource, ExtractPromptPreview>()
        .AddRunKind<A2qRunHandler>()
        .AddRunKind<T2qRunHandler>()
        .AddQuestionPreview(DerivedWork.A2qPurpose, "A2Q: perturbs one key fact of a verified question and writes variants the changed answer fits (previewed with the spec's defaults).",
            q => DerivedWork.GenerationModel(new A2qSpec(), q, q.ReferenceAnswer
                ?? throw new PromptItemNotFoundException($"Question {q.Id} has no reference answer; a2q derives only from questions with one."), null))
        .AddTracePreview(DerivedWork.T2qPurpose, "T2Q: mines the knowledge points a verified trace relies on and writes questions for each (previewed with the spec's defaults).",
            item => DerivedWork.GenerationModel(new T2qSpec(), item.Question, item.Question.ReferenceAnswer ?? "", item.Trace));
}
