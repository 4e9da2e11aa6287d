using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Tests.Support;

/// <summary>What <see cref="ExportFixture"/> wrote: a Ready release, a Blocked one and a Draft one, and the rows to expect.</summary>
public sealed record ExportFixtureRows(long ReadyId, string ReadyVersion, long BlockedId, string BlockedVersion, long DraftId,
    IReadOnlyList<long> TraceIds, long RewriteTraceId, long OriginalTraceId, long FixedTraceId, long UnpairedRewriteTraceId);

/// <summary>
/// A small release written by hand straight into the frozen tables (questions, traces, a review, release items), so
/// the exporters can be tested without the release builder: five verified traces across task types, difficulties,
/// origins and both languages (one multiple choice, one whose question text a PII fix changed), and two accepted
/// rewrites, one with its flawed original and one whose original carries a fixed PII hit (so it has no pair).
/// </summary>
public static class ExportFixture
{
    public const string ReadyVersion = "1.0.0";
    public const string FixedQuestion = "A client, [NAME], holds 200 shares bought at 10 and sold at 12: what is the gain?";

    /// <param name="tag">Appended to the release versions, so one database can hold the fixture more than once.</param>
    public static async Task<ExportFixtureRows> WriteAsync(IDbContextFactory<DeepFinanceDbContext> dbFactory, string tag = "")
    {
        var key = Guid.NewGuid().ToString("N")[..8];
        await using var db = await dbFactory.CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        var run = new Run
        {
            Kind = "q2a", Status = RunStatus.Completed, SynthesizerName = "sim", Model = "qwq-sim", SamplesPerQuestion = 2,
            SamplingSalt = "", ParametersJson = "{}", CreatedAt = now,
        };
        var scr = new Run
        {
            Kind = "scr", Status = RunStatus.Completed, SynthesizerName = "sim", Model = "qwq-sim", SamplesPerQuestion = 1,
            SamplingSalt = "", ParametersJson = "{}", CreatedAt = now,
        };
        db.Runs.AddRange(run, scr);
        Question Q(string text, TaskType type, Difficulty difficulty, QuestionOrigin origin, string language = "en", List<string>? options = null) => new()
        {
            Text = text, TaskType = type, Difficulty = difficulty, DifficultySource = DifficultySource.PassRate, Origin = origin, Language = language,
            Options = options, PassRate = difficulty switch { Difficulty.Simple => 1.0, Difficulty.Medium => 0.5, _ => 0.25 }, VerifiedSamples = 4,
            CreatedAt = now, ReferenceAnswer = "x",
        };
        var interest = Q("A deposit of 10,000 at 5% simple interest: what is the interest after one year?", TaskType.Math, Difficulty.Simple, QuestionOrigin.Q2A);
        var choice = Q("Which of these is a liability of a bank?", TaskType.KnowledgeQa, Difficulty.Medium, QuestionOrigin.Q2A,
            options: ["Loans", "Deposits", "Bonds held", "Cash"]);
        var zh = Q("某公司年初存入 10000 元，年利率 5%，按年复利，两年后本息合计多少元？", TaskType.Math, Difficulty.Hard, QuestionOrigin.A2Q, "zh");
        var analysis = Q("Explain what a falling current ratio says about a firm's liquidity.", TaskType.AnalysisInterpretation, Difficulty.Medium,
            QuestionOrigin.T2Q);
        var pii = Q("A client, John Smith, holds 200 shares bought at 10 and sold at 12: what is the gain?", TaskType.Math, Difficulty.Simple,
            QuestionOrigin.RealWorld);
        var compound = Q("A loan of 1,000 at 10% compounded yearly: what is owed after two years?", TaskType.Math, Difficulty.Hard, QuestionOrigin.Q2A);
        db.Questions.AddRange(interest, choice, zh, analysis, pii, compound);
        await db.SaveChangesAsync();
        zh.ParentQuestionId = compound.Id;
        zh.Perturbation = "rate 10% → 5%";

        var n = 0;
        CotTrace T(Run r, Question q, string reasoning, string answer, string? extracted, Verdict verdict, int round = 0, long? parent = null) => new()
        {
            RunId = r.Id, QuestionId = q.Id, SampleIndex = 0, Round = round, ParentTraceId = parent, Status = TraceStatus.Succeeded,
            Reasoning = reasoning, Answer = answer, ExtractedAnswer = extracted, Verdict = verdict, VerdictRule = "number",
            RequestHash = $"fixture-{key}-{++n:D4}", SynthesizerName = "sim", Model = "qwq-sim", TemplateVersion = 1, CreatedAt = now,
        };
        var t1 = T(run, interest, "Interest = 10000 × 5% × 1 = 500.", "The interest is **500**.", "500", Verdict.Correct);
        var t2 = T(run, choice, "Deposits are money the bank owes its customers, so they are a liability.", "B", "B", Verdict.Correct);
        var t3 = T(run, zh, "第一年本息 10500 元，第二年利息 525 元，合计 11025 元。", "两年后本息合计 11025 元。", "11025", Verdict.Correct);
        var t4 = T(run, analysis, "Current ratio = current assets / current liabilities; a fall means less cover for short-term debts.",
            "A falling current ratio means weaker short-term liquidity.", null, Verdict.Correct);
        var t5 = T(run, pii, "Gain = 200 × (12 − 10) = 400.", "The gain is 400.", "400", Verdict.Correct);
        var original = T(run, compound, "Interest is 100 a year, so 1,000 + 200 = 1,200.", "1200", "1200", Verdict.Incorrect);
        var unpairedOriginal = T(run, interest, "Call me on 13812345678: the interest is 5,000.", "5000", "5000", Verdict.Incorrect);
        unpairedOriginal.SampleIndex = 1;
        db.Traces.AddRange(t1, t2, t3, t4, t5, original, unpairedOriginal);
        await db.SaveChangesAsync();
        var rewrite = T(scr, compound, "Year one: 1,000 × 1.1 = 1,100. Year two: 1,100 × 1.1 = 1,210.", "1210", "1210", Verdict.Correct, 1, original.Id);
        var unpairedRewrite = T(scr, interest, "10,000 × 5% = 500 for one year.", "500", "500", Verdict.Correct, 1, unpairedOriginal.Id);
        unpairedRewrite.SampleIndex = 1;
        db.Traces.AddRange(rewrite, unpairedRewrite);
        await db.SaveChangesAsync();
        var review = new Review
        {
            RunId = scr.Id, QuestionId = compound.Id, OriginalTraceId = original.Id, RewriteTraceId = rewrite.Id, Rounds = 1, Status = ReviewStatus.Accepted,
            Version = 2, CreatedAt = now, DecidedAt = now,
        };
        var review2 = new Review
        {
            RunId = scr.Id, QuestionId = interest.Id, OriginalTraceId = unpairedOriginal.Id, RewriteTraceId = unpairedRewrite.Id, Rounds = 1,
            Status = ReviewStatus.Accepted, Version = 2, CreatedAt = now, DecidedAt = now,
        };
        db.Reviews.AddRange(review, review2);

        DeepFinance.Core.Data.Release Rel(string version, ReleaseStatus status) => new()
        {
            Version = version, Title = "Fixture", Status = status, CreatedBy = "admin@example.com", CreatedAt = now, License = "CC-BY-4.0",
            SelectionJson = "{\"origins\":[\"Q2A\",\"A2Q\",\"T2Q\",\"RealWorld\"],\"withheldCategories\":[\"Compliance & Security\"]}",
            Changelog = "First release.",
        };
        var ready = Rel(ReadyVersion + tag, ReleaseStatus.Ready);
        var blocked = Rel("0.9.0-blocked" + tag, ReleaseStatus.Blocked);
        var draft = Rel("0.8.0-draft" + tag, ReleaseStatus.Draft);
        db.Releases.AddRange(ready, blocked, draft);
        await db.SaveChangesAsync();

        ReleaseItem Item(DeepFinance.Core.Data.Release r, CotTrace t, ReleaseItemKind kind = ReleaseItemKind.Verified, Review? rv = null) => new()
        {
            ReleaseId = r.Id, TraceId = t.Id, QuestionId = t.QuestionId, Kind = kind, ReviewId = rv?.Id, OriginalTraceId = rv?.OriginalTraceId,
        };
        var items = new List<ReleaseItem>
        {
            Item(ready, t1), Item(ready, t2), Item(ready, t3), Item(ready, t4),
            Item(ready, t5),
            Item(ready, rewrite, ReleaseItemKind.AcceptedRewrite, review),
            Item(ready, unpairedRewrite, ReleaseItemKind.AcceptedRewrite, review2),
        };
        items[4].QuestionText = FixedQuestion;
        db.ReleaseItems.AddRange(items);
        db.ReleaseItems.AddRange(Item(blocked, t1), Item(blocked, t2), Item(draft, t1));
        db.ReleasePiiHits.Add(new ReleasePiiHit
        {
            ReleaseId = ready.Id, QuestionId = pii.Id, TraceId = t5.Id, Field = "question", EntityType = "PERSON", Level = "C2", Start = 10, Length = 10,
            Context = "A client, ****, holds", Status = PiiHitStatus.Fixed, ResolvedBy = "admin@example.com", ResolvedAt = now,
        });
        db.ReleasePiiHits.Add(new ReleasePiiHit
        {
            ReleaseId = ready.Id, QuestionId = interest.Id, TraceId = unpairedOriginal.Id, Field = "reasoning", EntityType = "PHONE", Level = "C3", Start = 8,
            Length = 11, Context = "Call me on ****", Status = PiiHitStatus.Fixed, ResolvedBy = "admin@example.com", ResolvedAt = now,
        });
        db.ReleasePiiHits.Add(new ReleasePiiHit
        {
            ReleaseId = blocked.Id, QuestionId = pii.Id, TraceId = t5.Id, Field = "question", EntityType = "PERSON", Level = "C2", Start = 10, Length = 10,
            Context = "A client, ****, holds", Status = PiiHitStatus.Open,
        });
        await db.SaveChangesAsync();
        return new ExportFixtureRows(ready.Id, ready.Version, blocked.Id, blocked.Version, draft.Id,
            [t1.Id, t2.Id, t3.Id, t4.Id, t5.Id, rewrite.Id, unpairedRewrite.Id], rewrite.Id, original.Id, t5.Id, unpairedRewrite.Id);
    }
}
