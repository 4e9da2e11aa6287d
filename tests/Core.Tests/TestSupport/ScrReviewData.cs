using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Tests.Support;

/// <summary>What one written review consists of.</summary>
public sealed record ScrReviewRows(long ReviewId, long QuestionId, long SourceRunId, long ScrRunId, long OriginalTraceId, long RewriteTraceId,
    IReadOnlyList<long> RoundTraceIds);

/// <summary>
/// Writes what an scr run leaves behind, straight into the database, the way the scr kind stores it: a question, a
/// failed round-0 trace in a source run, rounds 1..n in an scr run (each with its reflection and a parentTraceId
/// chain back to the original), and a pending review of the last round. Shared by Core, Web and E2E tests.
/// </summary>
public static class ScrReviewData
{
    public static async Task<ScrReviewRows> WriteAsync(IDbContextFactory<DeepFinanceDbContext> dbFactory, int rounds = 2, bool leak = false,
        string language = "en", string? originalReasoning = null, string? rewriteReasoning = null, string synthesizer = "simulator",
        TaskType taskType = TaskType.Math, Difficulty difficulty = Difficulty.Hard, int requiredReviews = 1)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        Run NewRun(string kind) => new()
        {
            Kind = kind, Status = RunStatus.Completed, SynthesizerName = synthesizer, Model = synthesizer, SamplesPerQuestion = 1,
            SamplingSalt = "", ParametersJson = "{}", CreatedAt = now,
        };
        var source = NewRun("q2a");
        var scr = NewRun("scr");
        var zh = language.StartsWith("zh", StringComparison.Ordinal);
        var question = new Question
        {
            Origin = QuestionOrigin.Q2A, Language = language, CreatedAt = now, TaskType = taskType, Difficulty = difficulty,
            Text = zh ? "某公司年初存入 10000 元，年利率 5%，按年复利，两年后本息合计多少元？" : "A deposit of 10,000 at 5% a year, compounded yearly: what is it worth after two years?",
            ReferenceAnswer = "11025",
        };
        db.Runs.AddRange(source, scr);
        db.Questions.Add(question);
        await db.SaveChangesAsync();
        var key = Guid.NewGuid().ToString("N")[..8];
        CotTrace Trace(long runId, int round, long? parent, string reasoning, string answer, Verdict verdict) => new()
        {
            RunId = runId, QuestionId = question.Id, Round = round, ParentTraceId = parent, Status = TraceStatus.Succeeded,
            Reasoning = reasoning, Answer = answer, ExtractedAnswer = answer, Verdict = verdict, VerdictRule = "number",
            RequestHash = $"scr-{key}-{runId}-{round}", SynthesizerName = synthesizer, Model = synthesizer, CreatedAt = now,
        };
        var original = Trace(source.Id, 0, null,
            originalReasoning ?? (zh ? "第一年利息 500 元。第二年仍按 10000 元计息，利息 500 元。合计 11000 元。" : "Year one earns 500. Year two also earns 500 on the 10000. The total is 11000."),
            "11000", Verdict.Incorrect);
        db.Traces.Add(original);
        await db.SaveChangesAsync();
        var ids = new List<long>();
        var parent = original.Id;
        CotTrace? last = null;
        for (var round = 1; round <= rounds; round++)
        {
            var final = round == rounds;
            var reasoning = final
                ? rewriteReasoning ?? (zh ? "第一年利息 500 元，本息 10500 元。第二年按 10500 元计息，利息 525 元。合计 11025 元。"
                    : "Year one earns 500, so the balance is 10500. Year two earns 525 on the 10500. The total is 11025.")
                : (zh ? $"第 {round} 轮：仍按单利计算，合计 11000 元。" : $"Round {round}: still simple interest, 11000.");
            var trace = Trace(scr.Id, round, parent, reasoning, final ? "11025" : "11000", final ? Verdict.Correct : Verdict.Incorrect);
            trace.Reflection = zh ? $"第 {round} 轮反思：第二年的利息应按第一年末的余额计算。" : $"Reflection {round}: the second year's interest should be on the balance after year one.";
            if (leak && final)
            {
                trace.Reflection += zh ? " 标准答案是 11025。" : " The reference says 11025.";
                trace.LeakHits = zh ? "[\"标准答案\",\"11025\"]" : "[\"the reference says\",\"11025\"]";
            }
            db.Traces.Add(trace);
            await db.SaveChangesAsync();
            ids.Add(trace.Id);
            parent = trace.Id;
            last = trace;
        }
        var review = new Review
        {
            RunId = scr.Id, QuestionId = question.Id, OriginalTraceId = original.Id, RewriteTraceId = last!.Id, Rounds = rounds, LeakFlag = leak,
            Status = ReviewStatus.Pending, Version = 1, RequiredReviews = requiredReviews, CreatedAt = now,
        };
        db.Reviews.Add(review);
        await db.SaveChangesAsync();
        return new ScrReviewRows(review.Id, question.Id, source.Id, scr.Id, original.Id, last.Id, ids);
    }
}
