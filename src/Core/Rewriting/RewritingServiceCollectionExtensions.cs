using DeepFinance.Core.Prompts;
using DeepFinance.Core.Rewriting;
using DeepFinance.Core.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class RewritingServiceCollectionExtensions
{
    /// <summary>Self-correction rewriting: the <c>scr</c> run kind and its leak-screen settings (checked at start-up).</summary>
    public static IServiceCollection AddRewriting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RewritingOptions>().Bind(configuration.GetSection(RewritingOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<RewritingOptions>, RewritingOptionsValidator>();
        return services.AddSingleton<ScrYieldQueries>().AddRunKind<ScrRunHandler>()
            .AddTracePreview(ScrWork.ReflectPurpose, "Self-correction step 1 (scr): critiques a wrong attempt; sees the reference but must not reveal it.",
                item => ScrWork.ReflectModel(item.Question, item.Trace, Reference(item)))
            .AddTracePreview(ScrWork.RewritePurpose, "Self-correction step 2 (scr): carries on from the thinking so far and the critique; never sees the reference.",
                RewritePreview);
    }

    private static string Reference(TraceItem item) => item.Question.ReferenceAnswer
        ?? throw new PromptItemNotFoundException($"Question {item.Question.Id} of trace {item.Trace.Id} has no reference answer; scr only corrects traces that have one.");

    /// <summary>
    /// A rewrite round's trace renders exactly the request that produced it (its earlier rounds and its reflection);
    /// a first answer has no reflection yet, so the preview stands in a placeholder for the one step 1 would write.
    /// </summary>
    private static PromptModelValues RewritePreview(TraceItem item)
    {
        var chain = item.Chain;
        if (item.Trace.Round > 0 && item.Trace.Reflection is { } reflection && chain.Count >= 2)
        {
            return ScrWork.RewriteModel(item.Question, ScrReasoning.Compose(chain[0], chain.Skip(1).Take(chain.Count - 2)), reflection);
        }
        _ = Reference(item);
        return new PromptModelValues(ScrWork.RewriteModel(item.Question, ScrReasoning.Compose(item.Trace, []), "[reflection from step 1]"),
            "This trace is a first answer: the reflection is a placeholder for the critique step 1 would write. Pick a rewrite round's trace to see a real one.");
    }
}
