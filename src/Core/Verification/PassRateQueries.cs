using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Verification;

/// <summary>Verdict counts of one group of a run's traces.</summary>
public sealed record VerdictCounts(int Correct, int Incorrect, int Unverifiable)
{
    public int Total => Correct + Incorrect + Unverifiable;

    /// <summary>Correct over decided (correct + incorrect); null when nothing was decided.</summary>
    public double? PassRate => Correct + Incorrect == 0 ? null : (double)Correct / (Correct + Incorrect);
}

/// <summary>Counts for one task type (null: the question has none).</summary>
public sealed record TaskTypeVerdicts(TaskType? TaskType, VerdictCounts Counts);

/// <summary>Counts for one difficulty (null: the question has none yet).</summary>
public sealed record DifficultyVerdicts(Difficulty? Difficulty, VerdictCounts Counts);

public sealed record RunPassRates(IReadOnlyList<TaskTypeVerdicts> ByTaskType, IReadOnlyList<DifficultyVerdicts> ByDifficulty);

/// <summary>A run's verdicts grouped by task type and by question difficulty, counted in the database.</summary>
public sealed class PassRateQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    public async Task<RunPassRates> ForRunAsync(long runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var judged = from t in db.Traces.AsNoTracking()
                     join q in db.Questions.AsNoTracking() on t.QuestionId equals q.Id
                     where t.RunId == runId && t.Verdict != null
                     select new { t.Verdict, q.TaskType, q.Difficulty };
        var byTaskType = await judged.GroupBy(x => new { x.TaskType, x.Verdict })
            .Select(g => new { g.Key.TaskType, g.Key.Verdict, Count = g.Count() }).ToListAsync(ct);
        var byDifficulty = await judged.GroupBy(x => new { x.Difficulty, x.Verdict })
            .Select(g => new { g.Key.Difficulty, g.Key.Verdict, Count = g.Count() }).ToListAsync(ct);

        var taskTypes = byTaskType.GroupBy(x => x.TaskType)
            .Select(g => new TaskTypeVerdicts(g.Key, Counts(g.Select(x => (x.Verdict, x.Count)))))
            .OrderBy(x => x.TaskType is null).ThenBy(x => x.TaskType).ToList();
        var difficulties = byDifficulty.GroupBy(x => x.Difficulty)
            .Select(g => new DifficultyVerdicts(g.Key, Counts(g.Select(x => (x.Verdict, x.Count)))))
            .OrderBy(x => x.Difficulty is null).ThenBy(x => x.Difficulty).ToList();
        return new RunPassRates(taskTypes, difficulties);
    }

    private static VerdictCounts Counts(IEnumerable<(Verdict? Verdict, int Count)> rows)
    {
        int correct = 0, incorrect = 0, unverifiable = 0;
        foreach (var (verdict, count) in rows)
        {
            switch (verdict)
            {
                case Verdict.Correct: correct += count; break;
                case Verdict.Incorrect: incorrect += count; break;
                case Verdict.Unverifiable: unverifiable += count; break;
            }
        }
        return new VerdictCounts(correct, incorrect, unverifiable);
    }
}
