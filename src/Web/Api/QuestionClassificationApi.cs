using System.Security.Claims;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

/// <summary>An operator's correction of a question's labels: task type (one of the six names) and/or difficulty, with a reason.</summary>
public sealed record ClassificationBody(string? TaskType = null, string? Difficulty = null, string? Reason = null);

/// <summary><c>PUT /api/v1/questions/{id}/classification</c>: Operators and Admins only; the correction is audited and no later run overwrites it.</summary>
public static class QuestionClassificationApi
{
    public static RouteGroupBuilder MapQuestionClassificationApi(this RouteGroupBuilder api)
    {
        api.MapPut("/questions/{id:long}/classification", CorrectAsync).WithTags("Questions").RequireAuthorization(Policies.Operate)
            .WithSummary("Correct a question's task type and/or difficulty (Operator, Admin); audited, source becomes Operator.");
        return api;
    }

    private static async Task<Results<Ok<QuestionLabels>, NotFound, ProblemHttpResult>> CorrectAsync(long id, ClassificationBody? body,
        QuestionClassification classification, ClaimsPrincipal user, CancellationToken ct)
    {
        TaskType? taskType = null;
        if (!string.IsNullOrWhiteSpace(body?.TaskType))
        {
            if (!TaskTypes.TryParse(body.TaskType, out var t))
            {
                return Invalid("taskType", $"'{body.TaskType}' is not one of {string.Join(", ", TaskTypes.Names)}.");
            }
            taskType = t;
        }
        Difficulty? difficulty = null;
        if (!string.IsNullOrWhiteSpace(body?.Difficulty))
        {
            if (!Enum.TryParse<Difficulty>(body.Difficulty.Trim(), ignoreCase: true, out var d) || !Enum.IsDefined(d) || int.TryParse(body.Difficulty, out _))
            {
                return Invalid("difficulty", $"'{body.Difficulty}' is not one of {string.Join(", ", Enum.GetNames<Difficulty>())}.");
            }
            difficulty = d;
        }
        try
        {
            return TypedResults.Ok(await classification.CorrectAsync(id, taskType, difficulty, body?.Reason, user, ct));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (ClassificationValidationException e)
        {
            return Invalid(e.Field, e.Message);
        }
        catch (ClassificationForbiddenException e)
        {
            return TypedResults.Problem(e.Message, statusCode: 403, title: "Not allowed");
        }
    }

    private static ProblemHttpResult Invalid(string field, string message) => TypedResults.Problem(message, statusCode: 400, title: "Invalid classification",
        extensions: new Dictionary<string, object?> { ["errors"] = new[] { new { field, message } } });
}
