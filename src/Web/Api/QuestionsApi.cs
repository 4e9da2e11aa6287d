using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Runs;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

/// <summary>Questions and their lineage (readable by every role: question text is never raw real-world text), and a2q/t2q yields.</summary>
public static class QuestionsApi
{
    public static RouteGroupBuilder MapQuestionsApi(this RouteGroupBuilder api)
    {
        var questions = api.MapGroup("/questions").WithTags("Questions").RequireAuthorization(Policies.Read);
        questions.MapGet("/", ListAsync).WithSummary("Questions by origin (A2Q, T2Q, Q2A, RealWorld), newest first, paged.");
        questions.MapGet("/{id:long}/lineage", LineageAsync).WithSummary("A question's parent and children with their perturbations or knowledge points, and rejected proposals.");
        api.MapGet("/runs/{id:long}/yields", YieldsAsync).WithTags("Runs").RequireAuthorization(Policies.Operate)
            .WithSummary("An a2q or t2q run's yields: proposed, verified, rejected by reason, failed items.");
        return api;
    }

    private static async Task<Results<Ok<QuestionList>, ProblemHttpResult>> ListAsync(DerivedQueries queries, string? origin, int? page, int? pageSize,
        CancellationToken ct)
    {
        QuestionOrigin? parsed = null;
        if (!string.IsNullOrWhiteSpace(origin))
        {
            if (!Enum.TryParse<QuestionOrigin>(origin.Trim(), ignoreCase: true, out var o) || !Enum.IsDefined(o))
            {
                return TypedResults.Problem(detail: $"origin: '{origin}' is not one of {string.Join(", ", Enum.GetNames<QuestionOrigin>())}.",
                    statusCode: StatusCodes.Status400BadRequest, title: "Invalid query");
            }
            parsed = o;
        }
        if (pageSize is < 1 or > DerivedQueries.MaxPageSize || page is < 1)
        {
            return TypedResults.Problem(detail: $"page must be at least 1 and pageSize between 1 and {DerivedQueries.MaxPageSize}.",
                statusCode: StatusCodes.Status400BadRequest, title: "Invalid query");
        }
        return TypedResults.Ok(await queries.ListAsync(parsed, page ?? 1, pageSize ?? 50, ct));
    }

    private static async Task<Results<Ok<QuestionLineage>, NotFound>> LineageAsync(long id, DerivedQueries queries, CancellationToken ct) =>
        await queries.LineageAsync(id, ct) is { } lineage ? TypedResults.Ok(lineage) : TypedResults.NotFound();

    private static async Task<Results<Ok<DerivedYields>, NotFound>> YieldsAsync(long id, RunService runs, DerivedQueries queries, CancellationToken ct) =>
        await runs.GetAsync(id, ct) is null ? TypedResults.NotFound() : TypedResults.Ok(await queries.YieldsAsync(id, ct));
}
