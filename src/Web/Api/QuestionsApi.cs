using DeepFinance.Core.Extraction;
using DeepFinance.Core.Runs;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

/// <summary>
/// Questions, their lineage and the knowledge points T2Q mined (readable by every role: question text is never raw
/// real-world text, which lives apart, encrypted), and a2q/t2q yields.
/// </summary>
public static class QuestionsApi
{
    public static RouteGroupBuilder MapQuestionsApi(this RouteGroupBuilder api)
    {
        var questions = api.MapGroup("/questions").WithTags("Questions").RequireAuthorization(Policies.Read);
        questions.MapGet("/", ListAsync)
            .WithSummary("Questions filtered by origin (Q2A, A2Q, T2Q, RealWorld), taskType, difficulty, status (pending, verified, rejected, disputed, no-reference) and text (q); sorted and paged.");
        questions.MapGet("/{id:long}/lineage", LineageAsync).WithSummary("A question's parent and children with their perturbations or knowledge points, and rejected proposals.");
        var points = api.MapGroup("/knowledge-points").WithTags("Questions").RequireAuthorization(Policies.Read);
        points.MapGet("/", ListPointsAsync).WithSummary("Knowledge points T2Q mined, merged across traces, with their trace and question counts; filter by kind and text; paged.");
        points.MapGet("/{id:long}", PointAsync).WithSummary("A knowledge point, the traces it was mined from and the questions it produced.");
        api.MapGet("/runs/{id:long}/yields", YieldsAsync).WithTags("Runs").RequireAuthorization(Policies.Operate)
            .WithSummary("An a2q or t2q run's yields: proposed, verified, rejected by reason, failed items.");
        return api;
    }

    private static async Task<Results<Ok<QuestionList>, ProblemHttpResult>> ListAsync(QuestionBrowser browser, string? origin, string? taskType,
        string? difficulty, string? status, string? q, string? sort, bool? descending, int? page, int? pageSize, CancellationToken ct)
    {
        var (query, parameter, error) = QuestionQuery.Parse(origin, taskType, difficulty, status, q, sort, descending, page, pageSize);
        return query is null ? Invalid(parameter!, error!) : TypedResults.Ok(await browser.ListAsync(query, ct));
    }

    private static async Task<Results<Ok<QuestionLineage>, NotFound>> LineageAsync(long id, DerivedQueries queries, CancellationToken ct) =>
        await queries.LineageAsync(id, ct) is { } lineage ? TypedResults.Ok(lineage) : TypedResults.NotFound();

    private static async Task<Results<Ok<KnowledgePointList>, ProblemHttpResult>> ListPointsAsync(KnowledgePointQueries points, string? kind, string? q,
        int? page, int? pageSize, CancellationToken ct)
    {
        var (query, parameter, error) = KnowledgePointQuery.Parse(kind, q, page, pageSize);
        return query is null ? Invalid(parameter!, error!) : TypedResults.Ok(await points.ListAsync(query, ct));
    }

    private static async Task<Results<Ok<KnowledgePointDetail>, NotFound>> PointAsync(long id, KnowledgePointQueries points, CancellationToken ct) =>
        await points.DetailAsync(id, ct) is { } detail ? TypedResults.Ok(detail) : TypedResults.NotFound();

    private static async Task<Results<Ok<DerivedYields>, NotFound>> YieldsAsync(long id, RunService runs, DerivedQueries queries, CancellationToken ct) =>
        await runs.GetAsync(id, ct) is null ? TypedResults.NotFound() : TypedResults.Ok(await queries.YieldsAsync(id, ct));

    private static ProblemHttpResult Invalid(string parameter, string error) =>
        TypedResults.Problem(detail: $"{parameter}: {error}", statusCode: StatusCodes.Status400BadRequest, title: "Invalid query");
}
