using DeepFinance.Core.Extraction;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;

namespace Microsoft.Extensions.DependencyInjection;

public static class ClassificationServiceCollectionExtensions
{
    /// <summary>Task type and difficulty: the <c>classify</c> run kind and operators' corrections.</summary>
    public static IServiceCollection AddClassification(this IServiceCollection services) => services
        .AddSingleton<QuestionClassification>()
        .AddRunKind<ClassifyRunHandler>()
        .AddQuestionPreview(ClassifyRunHandler.TemplateName, "Classify: labels a question with one of the six task types and a difficulty, with a reason.",
            q => ClassifyWork.Model(q));
}
