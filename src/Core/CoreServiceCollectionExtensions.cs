using DeepFinance.Core.Audit;
using DeepFinance.Core.Curation;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy.Desensitization;
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
        .AddIngest(configuration)
        .AddVerification(configuration)
        .AddDesensitization(configuration)
        .AddSynthesis(configuration)
        .AddCuration(configuration)
        .AddReview(configuration)
        .AddRewriting(configuration)
        .AddReleases()
        .AddReleaseExport()
        .AddAnnotation(configuration)
        .AddExtraction()
        .AddClassification();

    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services.AddSingleton<AuditLog>();
    }

    /// <summary>Seed import and the input limits every entry point (importer, API, pages, web server) reads.</summary>
    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var limits = services.AddOptions<InputLimits>();
        if (configuration is not null)
        {
            limits.Bind(configuration.GetSection(InputLimits.SectionName));
        }
        limits.ValidateDataAnnotations().ValidateOnStart();
        return services.AddSingleton<SeedImporter>().AddSingleton<SeedSourceQueries>().AddSingleton<DeepFinance.Core.Ingest.Corpora.CorpusPreview>();
    }

    /// <summary>Rules, the judge, the verifier the runs and the CLI share, difficulty thresholds and re-verification.</summary>
    public static IServiceCollection AddVerification(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VerificationOptions>().Bind(configuration.GetSection(VerificationOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<VerificationOptions>, VerificationOptionsValidator>();
        return services
            .AddSingleton(RuleVerifier.Instance)
            .AddSingleton<AnswerJudge>()
            .AddTracePreview(PromptLibrary.AnswerJudge, "Judge: decides whether an open answer says what the reference says, when no rule can.",
                item => AnswerJudge.Model(RunExecutor.VerificationInput(item.Question, item.Question.ReferenceAnswer
                    ?? throw new PromptItemNotFoundException($"Question {item.Question.Id} of trace {item.Trace.Id} has no reference answer; the judge is only asked with one."),
                    item.Trace.Answer ?? ""), item.Trace.ExtractedAnswer))
            .AddSingleton<AnswerVerifier>()
            .AddSingleton<QuestionStatistics>()
            .AddSingleton<Reverifier>()
            .AddSingleton<PassRateQueries>();
    }

    /// <summary>The desensitizer every query passes through first (import, CLI), with its replacement settings validated at start.</summary>
    public static IServiceCollection AddDesensitization(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DesensitizationOptions>().Bind(configuration.GetSection(DesensitizationOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<DesensitizationOptions>, DesensitizationOptionsValidator>();
        return services.AddSingleton(sp => new Desensitizer(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DesensitizationOptions>>()));
    }

    /// <summary>The engine that runs every kind; kinds are added with <c>AddRunKind</c>. A host adds an <see cref="IRunScheduler"/>.</summary>
    public static IServiceCollection AddRunEngine(this IServiceCollection services) => services
        .AddSingleton<NodeIdentity>()
        .AddSingleton<RunStopSignals>()
        .AddSingleton<RunKindRegistry>()
        .AddSingleton<RunService>()
        .AddSingleton<ReverificationService>()
        .AddSingleton(sp =>
        {
            // Every commit of results or counters is progress an open page wants to see.
            var notifier = new RunProgressNotifier(sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<RunProgressNotifier>>());
            sp.GetRequiredService<DeepFinance.Core.Data.GroupCommitWriter>().Committed += runs =>
            {
                foreach (var run in runs)
                {
                    notifier.RunChanged(run);
                }
            };
            return notifier;
        })
        .AddSingleton<IRunProgressNotifier>(sp => sp.GetRequiredService<RunProgressNotifier>())
        .AddSingleton<RunExecutor>();

    /// <summary>Prompts, Q2A curation, sampling, the run engine and the sampling kinds (<c>q2a</c>, <c>synthesize</c>).</summary>
    public static IServiceCollection AddSynthesis(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RunOptions>().Bind(configuration.GetSection(RunOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        return services
            .AddSingleton<PromptLibrary>()
            .AddSingleton<PromptPreviews>()
            .AddQuestionPreview(PromptLibrary.CotSample, "Sampling (q2a, synthesize, and verifying a2q/t2q proposals): asks a synthesizer to reason step by step. Never sees the reference.",
                q => CotSampler.Model(q))
            .AddSingleton<Q2aCurator>()
            .AddSingleton<CotSampler>()
            .AddSingleton<SamplingPlanner>()
            .AddRunEngine()
            .AddRunKind<Q2aRunHandler>()
            .AddRunKind<SynthesizeRunHandler>()
            .AddSingleton<TraceQueries>()
            .AddSingleton<MarkdownRenderer>();
    }
}
