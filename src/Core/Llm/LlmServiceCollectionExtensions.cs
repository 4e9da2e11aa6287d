using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Llm;

public static class LlmServiceCollectionExtensions
{
    /// <summary>LLM access: synthesizers from configuration, limits, our retries, the exactly-once store, the privacy gate's provenance.</summary>
    public static IServiceCollection AddLlm(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LlmOptions>().Bind(configuration.GetSection(LlmOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<LlmOptions>>(new SynthesizersValidator(configuration));
        services.TryAddSingleton<ILocalServerAddress, NoLocalServer>();
        services.AddSingleton<SynthesizerCatalog>();
        services.AddSingleton<SynthesizerLimiter>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SynthesizerBreaker>();
        services.AddSingleton<Privacy.QuestionProvenance>();
        services.AddOptions<EndpointOptions>().Bind(configuration.GetSection(EndpointOptions.SectionName))
            .Validate(o => o.AllowedHosts.All(EndpointPolicy.IsValidPattern),
                $"{EndpointPolicy.AllowedHostsSetting}: each entry is a host name, '*.' followed by a domain, or '*'.")
            .ValidateOnStart();
        services.AddSingleton<EndpointPolicy>();
        services.AddSingleton<ChatEndpointClient>();
        services.AddSingleton<LlmGateway>();
        services.AddSingleton<SynthesizerAdmin>();
        services.AddSingleton<SynthesizerTester>();
        return services;
    }

    private sealed class NoLocalServer : ILocalServerAddress
    {
        public Uri? BaseAddress => null;
    }

    /// <summary>Checks every configured synthesizer at start-up, so a typo fails the launch, not a run.</summary>
    private sealed class SynthesizersValidator(IConfiguration configuration) : IValidateOptions<LlmOptions>
    {
        public ValidateOptionsResult Validate(string? name, LlmOptions options)
        {
            var failures = new List<string>();
            foreach (var (synth, o) in SynthesizerCatalog.ReadConfigured(configuration))
            {
                var context = new System.ComponentModel.DataAnnotations.ValidationContext(o);
                var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
                if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(o, context, results, validateAllProperties: true))
                {
                    failures.AddRange(results.Select(r => $"{SynthesizerCatalog.SectionName}:{synth}: {r.ErrorMessage}"));
                }
                if (!o.BaseUrl.StartsWith(SynthesizerCatalog.SelfScheme, StringComparison.Ordinal)
                    && !Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out _))
                {
                    failures.Add($"{SynthesizerCatalog.SectionName}:{synth}:BaseUrl '{o.BaseUrl}' is not an absolute URL.");
                }
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
