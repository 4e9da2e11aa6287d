using System.Security.Claims;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using DeepFinance.Web.Components.Common;
using DeepFinance.Web.Jobs;
using DeepFinance.Web.Security;
using Hangfire;
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

public sealed record TracePage(int Total, int Page, int PageSize, IReadOnlyList<TraceRow> Items);

public static class RunsApi
{
    public static RouteGroupBuilder MapRunsApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/runs").WithTags("Runs").RequireAuthorization(Policies.Operate);
        runs.MapPost("/", LaunchAsync).WithSummary("Launch a run.");
        runs.MapPost("/estimate", EstimateAsync).WithSummary("Requests and estimated cost of a run, without launching it.");
        runs.MapGet("/", ListAsync).WithSummary("Runs, newest first.");
        runs.MapGet("/{id:long}", GetAsync).WithSummary("A run's live progress.");
        runs.MapPost("/{id:long}/cancel", CancelAsync).WithSummary("Cancel a queued or running run.");
        runs.MapPost("/{id:long}/reverify", ReverifyAsync).WithSummary("Re-verify a stopped run's answers with new tolerance or judge, as a job.");
        runs.MapGet("/{id:long}/reverifications", ReverificationsAsync).WithSummary("A run's past re-verifications, newest first.");
        runs.MapGet("/{id:long}/pass-rates", PassRatesAsync).WithSummary("A run's verdict counts by task type and by question difficulty.");
        runs.MapPost("/{id:long}/resume", ResumeAsync).WithSummary("Resume a cancelled or failed run; answered requests are not sent again.");
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

    private static ProblemHttpResult Invalid(RunValidationException e) => TypedResults.Problem(e.Message, statusCode: 400, title: "Invalid run",
        extensions: new Dictionary<string, object?> { ["errors"] = new[] { new { field = e.Field, message = e.Message } } });

    private static async Task<Results<Ok<object>, ProblemHttpResult>> ListAsync(RunService runs, int? page, int? pageSize, string? status, CancellationToken ct)
    {
        if (!ApiEnums.TryParse<RunStatus>(status, out var statusFilter))
        {
            return TypedResults.Problem($"status '{status}' is not one of {string.Join(", ", Enum.GetNames<RunStatus>().Select(n => n.ToLowerInvariant()))}.", statusCode: 400);
        }
        var size = Math.Clamp(pageSize ?? 50, 1, 500);
        var (total, items) = await runs.ListAsync(page ?? 1, size, statusFilter, ct);
        return TypedResults.Ok<object>(new { total, page = page ?? 1, pageSize = size, items = items.Select(RunDto.From) });
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
            return TypedResults.Conflict(new ProblemDetailsLite("Only a queued or running run can be cancelled."));
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
            return TypedResults.Conflict(new ProblemDetailsLite("Only a cancelled or failed run can be resumed."));
        }
        return TypedResults.Ok(RunDto.From((await runs.GetAsync(id, ct))!));
    }

    private static async Task<Results<Accepted<ReverifyAccepted>, NotFound, Conflict<ProblemDetailsLite>, ProblemHttpResult>> ReverifyAsync(
        long id, ReverifyRequest? request, RunService runs, DeepFinance.Core.Llm.SynthesizerCatalog catalog, IBackgroundJobClient jobs,
        DeepFinance.Core.Audit.AuditLog audit, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await runs.GetAsync(id, ct) is not { } run)
        {
            return TypedResults.NotFound();
        }
        if (Display.IsActive(run.Status))
        {
            return TypedResults.Conflict(new ProblemDetailsLite($"Run {id} is {run.Status.ToString().ToLowerInvariant()}; re-verify it once it has stopped."));
        }
        if (request?.RelativeTolerance is < 0 or > 0.5)
        {
            return Invalid(new RunValidationException("relativeTolerance", "Relative tolerance must be between 0 and 0.5."));
        }
        if (request?.Judge is { } judge && judge.Trim().Length > 0 && await catalog.FindAsync(judge.Trim(), ct) is null)
        {
            return Invalid(new RunValidationException("judge", $"No synthesizer named '{judge.Trim()}' to act as judge."));
        }
        await audit.WriteAsync(user.Identity?.Name ?? "system", "run.reverify-requested", $"run:{id}",
            after: new { request?.RelativeTolerance, judge = request?.Judge?.Trim() }, ct: ct);
        RunJobs.EnqueueReverify(jobs, id, request?.RelativeTolerance, request?.Judge?.Trim());
        return TypedResults.Accepted($"/api/v1/runs/{id}/reverifications", new ReverifyAccepted(id));
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
        int? page, int? pageSize, string? verdict, string? taskType, string? status, string? sortBy, bool? descending, CancellationToken ct)
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
        var result = await traces.QueryAsync(new TraceQuery(id, verdictFilter, taskTypeFilter, null, statusFilter, null, sortBy ?? "id", descending ?? false, page ?? 1, size), ct);
        return TypedResults.Ok(new TracePage(result.Total, page ?? 1, size, result.Items));
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
