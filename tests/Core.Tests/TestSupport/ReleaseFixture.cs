using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Tests.Support;

/// <summary>The rows <see cref="ReleaseFixture.DemoAsync"/> wrote, by what a release should do with them.</summary>
public sealed record ReleaseDemoRows(
    long RunId,
    long Interest, long InterestCorrectA, long InterestCorrectB, long InterestWrong,
    long Deposit, long DepositCorrect,
    long InterestAgain, long InterestAgainCorrect,
    long InterestThreeYears, long InterestThreeYearsCorrect,
    long Compliance, long ComplianceCorrect,
    long Contaminated, long ContaminatedCorrect,
    long Disputed, long DisputedCorrect,
    ScrReviewRows Accepted, ScrReviewRows Rejected)
{
    /// <summary>The traces a release of everything (dedup on, nothing withheld) freezes.</summary>
    public IReadOnlyList<long> ExpectedTraces =>
        [InterestCorrectA, InterestCorrectB, DepositCorrect, InterestThreeYearsCorrect, ComplianceCorrect, Accepted.RewriteTraceId];
}

/// <summary>
/// Writes demo-shaped pipeline rows straight into the database for release tests: questions of several task types,
/// difficulties and languages, first answers right and wrong, an exact duplicate and a counterfactual variant, a
/// contaminated question, a disputed reference, an accepted and a rejected rewrite. Shared by Core and Web tests.
/// </summary>
public sealed class ReleaseFixture(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    /// <summary>Reasoning long enough to pass the release's quality screen, as a model's would be.</summary>
    public const string DefaultReasoning =
        "Multiply the principal by the yearly rate to get one year's interest, then multiply that by the number of years, and add the principal back to get the amount due.";

    private int _hash;
    private int _sample;

    public async Task<long> RunAsync(string kind = "synthesize")
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var run = new Run
        {
            Kind = kind, Status = RunStatus.Completed, SynthesizerName = "simulator", Model = "simulator", SamplesPerQuestion = 2,
            SamplingSalt = "", ParametersJson = "{}", CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    public async Task<long> QuestionAsync(string text, TaskType taskType = TaskType.Math, Difficulty? difficulty = Difficulty.Medium, string language = "en",
        double? passRate = 0.5, QuestionOrigin origin = QuestionOrigin.Q2A, string reference = "42", bool disputed = false, long? seedItemId = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var q = new Question
        {
            Text = text, TaskType = taskType, Difficulty = difficulty, Language = language, PassRate = passRate, Origin = origin, ReferenceAnswer = reference,
            ReferenceDisputedAt = disputed ? DateTimeOffset.UtcNow : null, SeedItemId = seedItemId, CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Questions.Add(q);
        await db.SaveChangesAsync();
        return q.Id;
    }

    public async Task<long> TraceAsync(long runId, long questionId, Verdict verdict = Verdict.Correct, string? reasoning = null, string answer = "42")
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var t = NewTrace(runId, questionId, verdict, reasoning ?? DefaultReasoning, answer);
        db.Traces.Add(t);
        await db.SaveChangesAsync();
        return t.Id;
    }

    /// <summary>Many correct first answers at once, for releases larger than one batch.</summary>
    public async Task<IReadOnlyList<long>> ManyAsync(long runId, int questions, string prefix = "Bond")
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var rows = Enumerable.Range(1, questions).Select(i => new Question
        {
            Text = $"{prefix} {i}: a coupon of {i}.{i % 10} per cent on a face value of {1000 + i} yields what each year?", TaskType = TaskType.Math,
            Difficulty = Difficulty.Simple, Language = "en", PassRate = 1, Origin = QuestionOrigin.Q2A, CreatedAt = DateTimeOffset.UtcNow,
        }).ToList();
        db.Questions.AddRange(rows);
        await db.SaveChangesAsync();
        var traces = rows.Select(q => NewTrace(runId, q.Id, Verdict.Correct, DefaultReasoning, "1")).ToList();
        db.Traces.AddRange(traces);
        await db.SaveChangesAsync();
        return traces.Select(t => t.Id).ToList();
    }

    public async Task ContaminateAsync(long questionId, string benchmarkQuestion)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var set = new BenchmarkSet
        {
            Name = "bench-" + Guid.NewGuid().ToString("N")[..6], FileName = "bench.jsonl", ItemCount = 1, ContentSha256 = new string('0', 64),
            ImportedBy = "test", ImportedAt = DateTimeOffset.UtcNow,
        };
        db.BenchmarkSets.Add(set);
        await db.SaveChangesAsync();
        var item = new BenchmarkItem { BenchmarkSetId = set.Id, LineNumber = 1, Question = benchmarkQuestion, Answer = "x" };
        db.BenchmarkItems.Add(item);
        await db.SaveChangesAsync();
        db.ContaminationHits.Add(new ContaminationHit { QuestionId = questionId, BenchmarkItemId = item.Id, Method = "ngram", Score = 0.91, DetectedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
    }

    public async Task SetReviewAsync(long reviewId, ReviewStatus status)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.Reviews.Where(r => r.Id == reviewId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status));
    }

    public async Task<ReleaseDemoRows> DemoAsync()
    {
        var run = await RunAsync();
        var interest = await QuestionAsync("A loan of 200,000 at 5% simple interest for 3 years: how much interest is paid?", TaskType.Math, Difficulty.Hard, passRate: 0.67);
        var a = await TraceAsync(run, interest);
        var b = await TraceAsync(run, interest, reasoning: "Simple interest is the principal times the yearly rate times the number of years: 200000 × 0.05 × 3 = 30000, which is paid on top of the principal.", answer: "30000");
        var wrong = await TraceAsync(run, interest, Verdict.Incorrect, "Compounded by mistake.", "31525");
        var deposit = await QuestionAsync("以下哪项属于商业银行的负债业务？A. 发放贷款 B. 吸收存款 C. 购买国债", TaskType.KnowledgeQa, Difficulty.Simple, "zh-CN", 1.0, reference: "B");
        var depositCorrect = await TraceAsync(run, deposit, reasoning: "发放贷款和购买国债形成资产，吸收存款形成银行对储户的负债，所以选 B。", answer: "B");
        // The same question, written differently: dropped as a duplicate of the first.
        var again = await QuestionAsync("a LOAN of 200,000 at 5%  simple interest for 3 years — how much interest is paid?", TaskType.Math, Difficulty.Hard, passRate: 0.5);
        var againCorrect = await TraceAsync(run, again);
        // A counterfactual variant (another number): not a duplicate.
        var three = await QuestionAsync("A loan of 300,000 at 5% simple interest for 3 years: how much interest is paid?", TaskType.Math, Difficulty.Medium,
            passRate: 0.5, origin: QuestionOrigin.A2Q);
        var threeCorrect = await TraceAsync(run, three, answer: "45000");
        var compliance = await QuestionAsync("判断：银行可以在未经客户同意的情况下向第三方提供客户账户信息。", TaskType.ComplianceSecurity, Difficulty.Medium, "zh-CN", 0.9, reference: "错误");
        var complianceCorrect = await TraceAsync(run, compliance, reasoning: "银行对客户账户信息负有保密义务，法律要求在提供给第三方前取得客户授权，所以说法错误。", answer: "错误");
        var contaminated = await QuestionAsync("What is the duration of a zero-coupon bond maturing in 7 years?", TaskType.KnowledgeQa, Difficulty.Simple, reference: "7");
        var contaminatedCorrect = await TraceAsync(run, contaminated, answer: "7");
        await ContaminateAsync(contaminated, "What is the duration of a zero coupon bond that matures in 7 years?");
        var disputed = await QuestionAsync("A stock bought at 30 sells at 27: what is the percentage loss?", TaskType.Math, Difficulty.Simple, reference: "9%", disputed: true);
        var disputedCorrect = await TraceAsync(run, disputed, answer: "9%");
        var accepted = await ScrReviewData.WriteAsync(dbFactory);
        await SetReviewAsync(accepted.ReviewId, ReviewStatus.Accepted);
        var rejected = await ScrReviewData.WriteAsync(dbFactory, language: "zh-CN");
        await SetReviewAsync(rejected.ReviewId, ReviewStatus.Rejected);
        return new ReleaseDemoRows(run, interest, a, b, wrong, deposit, depositCorrect, again, againCorrect, three, threeCorrect, compliance, complianceCorrect,
            contaminated, contaminatedCorrect, disputed, disputedCorrect, accepted, rejected);
    }

    private CotTrace NewTrace(long runId, long questionId, Verdict verdict, string reasoning, string answer) => new()
    {
        RunId = runId, QuestionId = questionId, SampleIndex = Interlocked.Increment(ref _sample), Round = 0, Status = TraceStatus.Succeeded, Reasoning = reasoning, Answer = answer, ExtractedAnswer = answer,
        Verdict = verdict, VerdictRule = "number", RequestHash = $"release-{Guid.NewGuid():N}-{Interlocked.Increment(ref _hash)}", SynthesizerName = "simulator",
        Model = "simulator", CreatedAt = DateTimeOffset.UtcNow,
    };
}
