using DeepFinance.Core.Llm;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

public sealed record SynthesizerDto(string Name, string BaseUrl, string Model, double Temperature, int MaxTokens, int MaxConcurrency,
    int RequestsPerMinute, int TokensPerMinute, decimal InputPricePerMillion, decimal OutputPricePerMillion, bool External,
    bool Streaming, bool Simulated);

public static class DeepFinanceApi
{
    /// <summary>All of /api/v1: anonymous callers get 401, wrong roles 403, except sign-in.</summary>
    public static IEndpointRouteBuilder MapDeepFinanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization(Policies.Read);
        api.MapAuthApi().MapSeedSourcesApi().MapRunsApi();
        api.MapUsersApi().MapAuditApi();
        api.MapGet("/synthesizers", SynthesizersAsync).WithTags("Synthesizers").RequireAuthorization(Policies.Operate)
            .WithSummary("Configured synthesizers; keys are never returned.");
        return app;
    }

    private static async Task<Ok<List<SynthesizerDto>>> SynthesizersAsync(SynthesizerCatalog catalog, CancellationToken ct) =>
        TypedResults.Ok((await catalog.ListAsync(ct)).Select(s => new SynthesizerDto(s.Name, s.BaseUrl, s.Model, s.Temperature, s.MaxTokens,
            s.MaxConcurrency, s.RequestsPerMinute, s.TokensPerMinute, s.InputPricePerMillion, s.OutputPricePerMillion, s.External,
            s.Streaming, s.Simulated)).ToList());
}
