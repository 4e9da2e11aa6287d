using System.Security.Claims;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

/// <summary>
/// A launch: <c>{kind, synthesizer, name?, partitionSize?, spec:{…}}</c>. The first API's flat q2a fields
/// (seedSourceId, samplesPerQuestion, …) are still accepted in place of <c>spec</c>, but not beside it.
/// </summary>
public sealed record LaunchRunRequest(
    string? Kind, string? Synthesizer, JsonElement? Spec = null, string? Name = null, int? PartitionSize = null,
    long? SeedSourceId = null, int? SamplesPerQuestion = null, int? TemplateVersion = null, string? SamplingSalt = null,
    double? RelativeTolerance = null, string? Judge = null)
{
    private bool HasFlatFields => SeedSourceId is not null || SamplesPerQuestion is not null || TemplateVersion is not null
        || SamplingSalt is not null || RelativeTolerance is not null || Judge is not null;

    public RunLaunch ToLaunch()
    {
        if (string.IsNullOrWhiteSpace(Kind))
        {
            throw new RunValidationException("kind", "Say which kind of run to launch.");
        }
        if (Spec is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } spec)
        {
            if (HasFlatFields)
            {
                throw new RunValidationException("spec", "Give the kind's fields inside spec or beside it, not both.");
            }
            return new RunLaunch(Kind.Trim().ToLowerInvariant(), Synthesizer ?? "", spec, Name, PartitionSize);
        }
        var flat = JsonSerializer.SerializeToElement(new
        {
            SeedSourceId, SamplesPerQuestion = SamplesPerQuestion ?? 1, TemplateVersion, SamplingSalt, RelativeTolerance,
            Judge = string.IsNullOrWhiteSpace(Judge) ? null : Judge.Trim(),
        }, RunJson.Options);
        return new RunLaunch(Kind.Trim().ToLowerInvariant(), Synthesizer ?? "", flat, Name, PartitionSize);
    }
}

/// <summary>Re-verify a stopped run: a null tolerance or judge keeps the run's own; an empty judge turns the judge off.</summary>
public sealed record ReverifyRequest(double? RelativeTolerance = null, string? Judge = null);

public sealed record ReverifyAccepted(long RunId);

public sealed record RunCreated(long Id);

public sealed record RunDto(
    long Id, string Kind, RunStatus Status, string? Name, long? SeedSourceId, string Synthesizer, string Model, int SamplesPerQuestion,
    int Total, int Done, int Failed, int FromStore, int Attempts, long PromptTokens, long CompletionTokens, long ReasoningTokens,
    decimal Cost, double? PassRate, double? ItemsPerSecond, double? EtaSeconds, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, string? Error)
{
    public static RunDto From(RunProgress p) => new(p.Id, p.Kind, p.Status, p.Name, p.SeedSourceId, p.Synthesizer, p.Model,
        p.SamplesPerQuestion, p.Total, p.Done, p.Failed, p.FromStore, p.Attempts, p.PromptTokens, p.CompletionTokens, p.ReasoningTokens,
        p.Cost, p.PassRate, p.ItemsPerSecond, p.Eta?.TotalSeconds, p.CreatedAt, p.StartedAt, p.FinishedAt, p.Error);
}

/// <summary>A page of a run's traces. Pass <c>NextAfter</c> as <c>after</c> (or <c>PreviousBefore</c> as <c>before</c>) to step by cursor.</summary>
public sealed record TracePage(int Total, int? Page, int PageSize, IReadOnlyList<TraceRow> Items, long? NextAfter = null, long? PreviousBefore = null);

public static class RunsApi
{
    public static RouteGroupBuilder MapRunsApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/runs").WithTags("Runs").RequireAuthorization(Policies.Operate);
        runs.MapPost("/", LaunchAsync).WithSummary("Launch a run.");
        runs.MapPost("/estimate", EstimateAsync).WithSummary("Requests and estimated cost of a run, without launching it.");
        runs.MapGet("/", ListAsync).WithSummary("Runs, newest first.");
        runs.MapGet("/{id:long}", GetAsync).WithSummary("A run's live progress.");
        runs.MapPost("/{id:long}/cancel", CancelAsync).WithSummary("Cancel a queued, running or paused run.");
        runs.MapPost("/{id:long}/reverify", ReverifyAsync).WithSummary("Re-verify a completed, cancelled or failed run's answers with new tolerance or judge, as a job.");
        runs.MapGet("/{id:long}/reverifications", ReverificationsAsync).WithSummary("A run's past re-verifications, newest first.");
        runs.MapGet("/{id:long}/pass-rates", PassRatesAsync).WithSummary("A run's verdict counts by task type and by question difficulty.");
        runs.MapPost("/{id:long}/resume", ResumeAsync).WithSummary("Resume a cancelled, failed or paused run; answered requests are not sent again.");
        api.MapGet("/runs/{id:long}/traces", TracesAsync).WithTags("Runs").RequireAuthorization(Policies.Read)
            .WithSummary("A run's traces, paged, filtered and sorted on the server.");
        api.MapGet("/traces/{id:long}", TraceAsync).WithTags("Traces").RequireAuthorization(Policies.Read).WithSummary("One trace with its lineage.");
        return api;
    }

    private static async Task<Results<Created<RunCreated>, ProblemHttpResult>> LaunchAsync(
        LaunchRunRequest request, RunService runs, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            var id = await runs.LaunchAsync(request.ToLaunch(), user.Identity?.Name, ct);
            return TypedResults.Created($"/api/v1/runs/{id}", new RunCreated(id));
        }
        catch (RunValidationException e)
        {
            return Invalid(e);
        }
    }

    private static async Task<Results<Ok<RunEstimate>, ProblemHttpResult>> EstimateAsync(LaunchRunRequest request, RunService runs, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await runs.EstimateAsync(request.ToLaunch(), ct));
        }
        catch (RunValidationException e)
        {
            return Invalid(e);
        }
    }

    /// <summary>409 naming the run's status and the statuses the action needs, from <see cref="RunStateRules"/>.</summary>
    private static Conflict<ProblemDetailsLite> Refused(long id, RunAction action, RunStatus status) =>
        TypedResults.Conflict(new ProblemDetailsLite(RunStateRules.Refusal(id, action, status)));

    private static ProblemHttpResult Invalid(RunValidationException e) => TypedResults.Problem(e.Message, statusCode: 400, title: "Invalid run",
        extensions: new Dictionary<string, object?> { ["errors"] = new[] { new { field = e.Field, message = e.Message } } });

    private static async Task<Results<Ok<object>, ProblemHttpResult>> ListAsync(RunService runs, int? page, int? pageSize, string? status, CancellationToken ct)
    {
        if (!ApiEnums.TryParse<RunStatus>(status, out var statusFilter))
        {
            return TypedResults.Problem($"status '{status}' is not one of {string.Join(", ", Enum.GetNames<RunStatus>().Select(n => n.ToLowerInvariant()))}.", statusCode: 400);
        }
        var size = Math.Clamp(pageSize ?? 50, 1, 500);
        var (total, items) = await runs.ListAsync(Paging.Page(page), size, statusFilter, ct);
        return TypedResults.Ok<object>(new { total, page = Paging.Page(page), pageSize = size, items = items.Select(RunDto.From) });
    }

    private static async Task<Results<Ok<RunDto>, NotFound>> GetAsync(long id, RunService runs, CancellationToken ct) =>
        await runs.GetAsync(id, ct) is { } run ? TypedResults.Ok(RunDto.From(run)) : TypedResults.NotFound();

    private static async Task<Results<Ok<RunDto>, NotFound, Conflict<ProblemDetailsLite>>> CancelAsync(long id, RunService runs, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await runs.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }
        if (!await runs.CancelAsync(id, user.Identity?.Name, ct))
        {
            return Refused(id, RunAction.Cancel, (await runs.GetAsync(id, ct))!.Status);
        }
        return TypedResults.Ok(RunDto.From((await runs.GetAsync(id, ct))!));
    }

    private static async Task<Results<Ok<RunDto>, NotFound, Conflict<ProblemDetailsLite>>> ResumeAsync(long id, RunService runs, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await runs.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }
        if (!await runs.ResumeAsync(id, user.Identity?.Name, ct))
        {
            return Refused(id, RunAction.Resume, (await runs.GetAsync(id, ct))!.Status);
        }
        return TypedResults.Ok(RunDto.From((await runs.GetAsync(id, ct))!));
    }

    private static async Task<Results<Accepted<ReverifyAccepted>, NotFound, Conflict<ProblemDetailsLite>, ProblemHttpResult>> ReverifyAsync(
        long id, ReverifyRequest? request, ReverificationService reverification, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            await reverification.RequestAsync(id, request?.RelativeTolerance, request?.Judge, user.Identity?.Name, ct);
            return TypedResults.Accepted($"/api/v1/runs/{id}/reverifications", new ReverifyAccepted(id));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (RunStateException e)
        {
            return TypedResults.Conflict(new ProblemDetailsLite(e.Message));
        }
        catch (RunValidationException e)
        {
            return Invalid(e);
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<ReverificationResult>>, NotFound>> ReverificationsAsync(
        long id, RunService runs, Reverifier reverifier, CancellationToken ct)
    {
        if (await runs.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(await reverifier.ListAsync(id, ct));
    }

    private static async Task<Results<Ok<RunPassRates>, NotFound>> PassRatesAsync(long id, RunService runs, PassRateQueries passRates, CancellationToken ct)
    {
        if (await runs.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(await passRates.ForRunAsync(id, ct));
    }

    private static async Task<Results<Ok<TracePage>, NotFound, ProblemHttpResult>> TracesAsync(long id, RunService runs, TraceQueries traces,
        int? page, int? pageSize, string? verdict, string? taskType, string? status, string? sortBy, bool? descending, long? after, long? before,
        CancellationToken ct)
    {
        if (await runs.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }
        if (!ApiEnums.TryParse<Verdict>(verdict, out var verdictFilter) || !ApiEnums.TryParse<TaskType>(taskType, out var taskTypeFilter)
            || !ApiEnums.TryParse<TraceStatus>(status, out var statusFilter))
        {
            return TypedResults.Problem("verdict, taskType or status has a value that is not known.", statusCode: 400);
        }
        var size = Math.Clamp(pageSize ?? 50, 1, TraceQueries.MaxPageSize);
        if (after is not null && before is not null)
        {
            return TypedResults.Problem("Give either after or before, not both.", statusCode: 400);
        }
        Page<TraceRow> result;
        try
        {
            result = await traces.QueryAsync(new TraceQuery(id, verdictFilter, taskTypeFilter, null, statusFilter, null, sortBy ?? "id", descending ?? false,
                Paging.Page(page), size, after, before), ct);
        }
        catch (ArgumentException e)
        {
            return TypedResults.Problem(e.Message, statusCode: 400);
        }
        // With a cursor the page number is not known (that is the point of seeking), so none is claimed.
        var pageNumber = after is null && before is null ? Paging.Page(page) : (int?)null;
        return TypedResults.Ok(new TracePage(result.Total, pageNumber, size, result.Items, result.NextAfter, result.PreviousBefore));
    }

    private static async Task<Results<Ok<object>, NotFound>> TraceAsync(long id, TraceQueries traces, CancellationToken ct)
    {
        if (await traces.GetAsync(id, ct) is not { } d)
        {
            return TypedResults.NotFound();
        }
        var t = d.Trace;
        return TypedResults.Ok<object>(new
        {
            t.Id, t.RunId, t.QuestionId, t.SampleIndex, t.Status, t.Reasoning, t.Answer, t.ExtractedAnswer, t.Verdict, t.VerdictRule,
            t.VerdictReason, t.FailureReason, t.PromptTokens, t.CompletionTokens, t.ReasoningTokens, t.LatencyMs, t.Cost, t.FromStore,
            t.RequestHash, t.TemplateVersion, t.SynthesizerName, t.Model, t.CreatedAt,
            question = new { d.Question.Id, d.Question.Origin, d.Question.Text, d.Question.ReferenceAnswer, d.Question.Options, d.Question.TaskType,
                d.Question.Difficulty, d.Question.PassRate, d.Question.SeedItemId, d.Question.ParentQuestionId },
            seedSource = d.SeedSource is null ? null : new { d.SeedSource.Id, d.SeedSource.Name, line = d.SeedItem?.LineNumber },
        });
    }
}

public sealed record ProblemDetailsLite(string Detail);

/// <summary>Query-string enums as the API writes them (lower case, snake case), read case-insensitively.</summary>
public static class ApiEnums
{
    public static bool TryParse<T>(string? text, out T? value) where T : struct, Enum
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        if (Enum.TryParse<T>(text.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var parsed) && !int.TryParse(text, out _))
        {
            value = parsed;
            return true;
        }
        return false;
    }
}
