using System.Security.Claims;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

/// <summary>A synthesizer as the API shows it: never a key, only <c>keyLast4</c> as "…abcd".</summary>
public sealed record SynthesizerDto(string Name, string BaseUrl, string Model, double Temperature, int MaxTokens, int MaxConcurrency,
    int RequestsPerMinute, int TokensPerMinute, decimal InputPricePerMillion, decimal OutputPricePerMillion, bool External,
    bool Streaming, bool Simulated, bool SendSeed, string Source, string? KeyLast4, DateTimeOffset UpdatedAt)
{
    public static SynthesizerDto From(Synthesizer s) => new(s.Name, s.BaseUrl, s.Model, s.Temperature, s.MaxTokens, s.MaxConcurrency,
        s.RequestsPerMinute, s.TokensPerMinute, s.InputPricePerMillion, s.OutputPricePerMillion, s.External, s.Streaming, s.Simulated,
        s.SendSeed, s.Source, s.ApiKeyLast4 is null ? null : "…" + s.ApiKeyLast4, s.UpdatedAt);
}

public sealed record SynthesizerRequest(string? Name, string? BaseUrl, string? Model, double? Temperature = null, int? MaxTokens = null,
    int? MaxConcurrency = null, int? RequestsPerMinute = null, int? TokensPerMinute = null, decimal? InputPricePerMillion = null,
    decimal? OutputPricePerMillion = null, bool? External = null, bool? Streaming = null, bool? SendSeed = null)
{
    public SynthesizerEdit ToEdit(string? name = null)
    {
        var d = new SynthesizerEdit("", "", "");
        return new SynthesizerEdit(name ?? Name ?? "", BaseUrl ?? "", Model ?? "", Temperature ?? d.Temperature, MaxTokens ?? d.MaxTokens,
            MaxConcurrency ?? d.MaxConcurrency, RequestsPerMinute ?? d.RequestsPerMinute, TokensPerMinute ?? d.TokensPerMinute,
            InputPricePerMillion ?? d.InputPricePerMillion, OutputPricePerMillion ?? d.OutputPricePerMillion, External ?? d.External,
            Streaming ?? d.Streaming, SendSeed ?? d.SendSeed);
    }
}

public sealed record SetKeyRequest(string? ApiKey);

public sealed record SynthesizerPriceDto(decimal InputPricePerMillion, decimal OutputPricePerMillion, DateTimeOffset EffectiveFrom, string ChangedBy);

public static class SynthesizersApi
{
    public static RouteGroupBuilder MapSynthesizersApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/synthesizers").WithTags("Synthesizers").RequireAuthorization(Policies.Operate);
        group.MapGet("/", ListAsync).WithSummary("Synthesizers; keys are never returned, only keyLast4 (\"…abcd\").");
        group.MapPost("/", CreateAsync).WithSummary("Add a synthesizer (everything but its key).");
        group.MapPut("/{name}", UpdateAsync).WithSummary("Edit a synthesizer (everything but its key); a price change starts a new price version.");
        group.MapPut("/{name}/key", SetKeyAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Admin only: store the API key encrypted. It is never returned, shown or logged.");
        group.MapPost("/{name}/test", TestAsync).WithSummary("Send one tiny request (or, with ?questionId=, that question's text) and report latency, reasoning format or the error.");
        group.MapGet("/{name}/prices", PricesAsync).WithSummary("Price versions, newest first; runs keep the price copied at launch.");
        return api;
    }

    private static async Task<Ok<List<SynthesizerDto>>> ListAsync(SynthesizerCatalog catalog, CancellationToken ct) =>
        TypedResults.Ok((await catalog.ListAsync(ct)).Select(SynthesizerDto.From).ToList());

    private static async Task<Results<Created<SynthesizerDto>, ProblemHttpResult>> CreateAsync(
        SynthesizerRequest request, SynthesizerAdmin admin, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            var row = await admin.CreateAsync(request.ToEdit(), user.Identity?.Name, ct);
            return TypedResults.Created($"/api/v1/synthesizers/{Uri.EscapeDataString(row.Name)}", SynthesizerDto.From(row));
        }
        catch (SynthesizerValidationException e)
        {
            return Invalid(e);
        }
    }

    private static async Task<Results<Ok<SynthesizerDto>, ProblemHttpResult, NotFound>> UpdateAsync(
        string name, SynthesizerRequest request, SynthesizerAdmin admin, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(SynthesizerDto.From(await admin.UpdateAsync(name, request.ToEdit(name), user.Identity?.Name, user.IsInRole(Roles.Admin), ct)));
        }
        catch (SynthesizerValidationException e)
        {
            return Invalid(e);
        }
        catch (SynthesizerChangeRefusedException e)
        {
            return Refused(e);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult, NotFound>> SetKeyAsync(
        string name, SetKeyRequest request, SynthesizerAdmin admin, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            await admin.SetKeyAsync(name, request.ApiKey ?? "", user.Identity?.Name, ct);
            return TypedResults.NoContent();
        }
        catch (SynthesizerValidationException e)
        {
            return Invalid(e);
        }
        catch (SynthesizerChangeRefusedException e)
        {
            return Refused(e);
        }
    }

    /// <param name="questionId">Test with this pool question's text instead of the fixed probe; the privacy gate applies to it.</param>
    private static async Task<Results<Ok<SynthesizerTestResult>, NotFound>> TestAsync(
        string name, SynthesizerCatalog catalog, SynthesizerTester tester, CancellationToken ct, long? questionId = null)
    {
        if ((await catalog.ListAsync(ct)).All(s => !s.Name.Equals(name, StringComparison.Ordinal)))
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(questionId is { } id ? await tester.TestWithQuestionAsync(name, id, ct) : await tester.TestAsync(name, ct));
    }

    private static async Task<Results<Ok<List<SynthesizerPriceDto>>, NotFound>> PricesAsync(string name, SynthesizerAdmin admin, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok((await admin.PricesAsync(name, ct))
                .Select(p => new SynthesizerPriceDto(p.InputPricePerMillion, p.OutputPricePerMillion, p.EffectiveFrom, p.ChangedBy)).ToList());
        }
        catch (SynthesizerChangeRefusedException e) when (e.NotFound)
        {
            return TypedResults.NotFound();
        }
    }

    private static ProblemHttpResult Invalid(SynthesizerValidationException e) => TypedResults.Problem(e.Message, statusCode: 400,
        title: "Invalid synthesizer",
        extensions: new Dictionary<string, object?> { ["errors"] = e.Errors.Select(x => new { field = x.Field, message = x.Message }).ToArray() });

    private static ProblemHttpResult Refused(SynthesizerChangeRefusedException e) =>
        TypedResults.Problem(e.Message, statusCode: e.NotFound ? 404 : 409, title: e.NotFound ? "Not found" : "Not editable here");
}
