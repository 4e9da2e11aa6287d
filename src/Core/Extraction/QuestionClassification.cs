using System.Security.Claims;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Extraction;

/// <summary>A question's task type and difficulty with what decided each.</summary>
public sealed record QuestionLabels(long QuestionId, TaskType? TaskType, TaskTypeSource? TaskTypeSource, string? TaskTypeDetail,
    Difficulty? Difficulty, DifficultySource? DifficultySource, string? DifficultyDetail, double? PassRate);

/// <summary>A correction refused because of what was sent: <see cref="Field"/> names the field.</summary>
public sealed class ClassificationValidationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>The caller may read labels but not correct them (only Operators and Admins do).</summary>
public sealed class ClassificationForbiddenException(string message) : Exception(message);

/// <summary>
/// Reading a question's labels, and an operator's correction of them. A correction sets the source to Operator, which
/// <see cref="ClassificationPrecedence"/> lets nothing but another correction replace, and is written to the audit log
/// with the labels before and after. The role is checked here too, whatever page or route calls it.
/// </summary>
public sealed class QuestionClassification(IDbContextFactory<DeepFinanceDbContext> dbFactory, AuditLog audit)
{
    /// <summary>The roles that may correct (the names Web's access table uses).</summary>
    public static readonly IReadOnlyList<string> CorrectorRoles = ["Admin", "Operator"];

    public const int MaxReason = 1000;

    public static bool MayCorrect(ClaimsPrincipal? user) => user?.Identity?.IsAuthenticated == true && CorrectorRoles.Any(user.IsInRole);

    public async Task<QuestionLabels?> GetAsync(long questionId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Questions.AsNoTracking().Where(q => q.Id == questionId)
            .Select(q => new QuestionLabels(q.Id, q.TaskType, q.TaskTypeSource, q.TaskTypeDetail, q.Difficulty, q.DifficultySource, q.DifficultyDetail, q.PassRate))
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// Sets the task type and/or difficulty given (a null one is left as it is) with source Operator.
    /// Throws <see cref="KeyNotFoundException"/> for an unknown question, <see cref="ClassificationForbiddenException"/> for a
    /// caller who is not an Operator or Admin, <see cref="ClassificationValidationException"/> naming a field.
    /// </summary>
    public async Task<QuestionLabels> CorrectAsync(long questionId, TaskType? taskType, Difficulty? difficulty, string? reason, ClaimsPrincipal user,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!MayCorrect(user))
        {
            throw new ClassificationForbiddenException("Only an Operator or Admin corrects a question's task type or difficulty.");
        }
        if (taskType is { } t && !Enum.IsDefined(t))
        {
            throw new ClassificationValidationException("taskType", $"'{t}' is not one of {string.Join(", ", TaskTypes.Names)}.");
        }
        if (difficulty is { } d && !Enum.IsDefined(d))
        {
            throw new ClassificationValidationException("difficulty", $"'{d}' is not one of {string.Join(", ", Enum.GetNames<Difficulty>())}.");
        }
        if (taskType is null && difficulty is null)
        {
            throw new ClassificationValidationException("taskType", "Give a task type, a difficulty or both.");
        }
        var why = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (why is { Length: > MaxReason })
        {
            throw new ClassificationValidationException("reason", $"A reason may be at most {MaxReason} characters.");
        }
        var actor = user.Identity?.Name ?? "unknown";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var question = await db.Questions.FirstOrDefaultAsync(q => q.Id == questionId, ct) ?? throw new KeyNotFoundException($"No question #{questionId}.");
        var before = Snapshot(question);
        var detail = ClassificationPrecedence.Cut($"operator {actor}" + (why is null ? "" : ": " + why));
        if (taskType is { } type)
        {
            (question.TaskType, question.TaskTypeSource, question.TaskTypeDetail) = (type, TaskTypeSource.Operator, detail);
        }
        if (difficulty is { } level)
        {
            (question.Difficulty, question.DifficultySource, question.DifficultyDetail) = (level, DifficultySource.Operator, detail);
        }
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(actor, "question.classification-corrected", $"question:{questionId}", before,
            new { labels = Snapshot(question), reason = why }, CancellationToken.None);
        return new QuestionLabels(question.Id, question.TaskType, question.TaskTypeSource, question.TaskTypeDetail, question.Difficulty,
            question.DifficultySource, question.DifficultyDetail, question.PassRate);
    }

    private static object Snapshot(Question q) => new
    {
        taskType = q.TaskType?.ToString(), taskTypeSource = q.TaskTypeSource?.ToString(), taskTypeDetail = q.TaskTypeDetail,
        difficulty = q.Difficulty?.ToString(), difficultySource = q.DifficultySource?.ToString(), difficultyDetail = q.DifficultyDetail,
    };
}
