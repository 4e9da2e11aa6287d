using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Rendering;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Synthesis;
using DeepFinance.Core.Verification;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Everything Core offers, for the web app and the CLI alike.</summary>
    public static IServiceCollection AddDeepFinanceCore(this IServiceCollection services, IConfiguration configuration) => services
        .AddDeepFinanceData(configuration)
        .AddAudit()
        .AddLlm(configuration)
        .AddIngest()
        .AddVerification(configuration)
        .AddSynthesis(configuration);

    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services.AddSingleton<AuditLog>();
    }

    public static IServiceCollection AddIngest(this IServiceCollection services) => services.AddSingleton<SeedImporter>().AddSingleton<SeedSourceQueries>();

    /// <summary>Rules, the judge, the verifier the runs and the CLI share, difficulty thresholds and re-verification.</summary>
    public static IServiceCollection AddVerification(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VerificationOptions>().Bind(configuration.GetSection(VerificationOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<VerificationOptions>, VerificationOptionsValidator>();
        return services
            .AddSingleton(RuleVerifier.Instance)
            .AddSingleton<AnswerJudge>()
            .AddSingleton<AnswerVerifier>()
            .AddSingleton<QuestionStatistics>()
            .AddSingleton<Reverifier>()
            .AddSingleton<PassRateQueries>();
    }

    /// <summary>Prompts, Q2A curation, sampling and the run engine. A host adds an <see cref="IRunScheduler"/>.</summary>
    public static IServiceCollection AddSynthesis(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RunOptions>().Bind(configuration.GetSection(RunOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        return services
            .AddSingleton<PromptLibrary>()
            .AddSingleton<Q2aCurator>()
            .AddSingleton<CotSampler>()
            .AddSingleton<RunService>()
            .AddSingleton<ReverificationService>()
            .AddSingleton<RunProgressNotifier>()
            .AddSingleton<IRunProgressNotifier>(sp => sp.GetRequiredService<RunProgressNotifier>())
            .AddSingleton<RunExecutor>()
            .AddSingleton<TraceQueries>()
            .AddSingleton<MarkdownRenderer>();
    }
}
