using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Verification;

/// <summary>Verification inside runs: the judge parameter, re-verification and self-consistency.</summary>
public sealed class RunVerificationTests
{
    private const string OpenQuestion = "简述央行上调存款准备金率对银行体系的影响。";
    private const string OpenReference = "银行可贷资金减少，信贷收缩";
    private const string NumberQuestion = "某客户存款10万元，年利率3%，一年利息是多少元？";
    private const string ChoiceQuestion = "下列哪项是商业银行的资产业务？A. 吸收存款 B. 发放贷款 C. 发行债券 D. 同业拆入";

    private static readonly string[] Seeds =
    [
        $$"""{"question":"{{OpenQuestion}}","answer":"{{OpenReference}}","task_type":"Analysis & Interpretation"}""",
        $$"""{"question":"{{NumberQuestion}}","answer":"3000","task_type":"Math"}""",
        $$"""{"question":"{{ChoiceQuestion}}","answer":"B","task_type":"Knowledge QA"}""",
    ];

    // The judge prompt is the only one carrying a reference, so its line comes first.
    private static readonly string[] Script =
    [
        JudgeTestSupport.ScriptLine(OpenReference, """{"verdict":"correct","reason":"同样说明可贷资金减少"}"""),
        JudgeTestSupport.ScriptLine(OpenQuestion, "分析：准备金率上调，银行需多缴准备金。\n答案：银行能放出去的贷款变少，信贷收紧"),
        JudgeTestSupport.ScriptLine(NumberQuestion, "利息 = 100000 × 3% ≈ 3010\n答案：3010元"),
        JudgeTestSupport.ScriptLine(ChoiceQuestion, "发放贷款属于资产业务。\n答案：B"),
    ];

    [Fact]
    public async Task A_run_with_a_judge_records_judge_verdicts_and_pays_each_judgement_once()
    {
        await using var h = await JudgeTestSupport.StartAsync(Script);
        var source = await JudgeTestSupport.ImportAsync(h, "open", Seeds);

        var run = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 2, Judge: "sim"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(6, run.Done);
        await using var db = await h.Db.CreateDbContextAsync();
        var judged = await db.Traces.Where(t => t.RunId == run.Id && t.VerdictRule == "judge").ToListAsync();
        Assert.Equal(2, judged.Count);
        Assert.All(judged, t =>
        {
            Assert.Equal(Verdict.Correct, t.Verdict);
            Assert.Equal("同样说明可贷资金减少", t.VerdictReason);
            Assert.NotNull(t.JudgePromptTemplateId);
        });
        // Two samples of the open question have the same final answer, so one judgement serves both:
        // 6 samples + 1 judgement.
        Assert.Equal(7, h.Simulator.Stats.Requests);
        Assert.Equal(h.Simulator.Stats.Requests, run.Attempts);
        Assert.Equal(1.0, (await db.Questions.SingleAsync(q => q.Text == OpenQuestion)).PassRate);

        var again = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 2, Judge: "sim"));
        Assert.Equal(6, again.Correct);
        Assert.Equal(7, h.Simulator.Stats.Requests);
    }

    [Fact]
    public async Task Without_a_judge_the_open_answers_of_a_run_stay_unverifiable()
    {
        await using var h = await JudgeTestSupport.StartAsync(Script);
        var source = await JudgeTestSupport.ImportAsync(h, "open", Seeds);

        var run = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));

        Assert.Equal(2, run.Correct);
        Assert.Equal(1, run.Unverifiable);
        Assert.Equal(3, h.Simulator.Stats.Requests);
    }

    [Fact]
    public async Task An_unknown_judge_fails_the_launch_on_the_judge_field()
    {
        await using var h = await JudgeTestSupport.StartAsync(Script);
        var source = await JudgeTestSupport.ImportAsync(h, "open", Seeds);

        var e = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(new RunSpec(RunKind.Q2a, source, "sim", 1, Judge: "nobody"), "test"));
        Assert.Equal("judge", e.Field);
        var estimate = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.EstimateAsync(new RunSpec(RunKind.Q2a, source, "sim", 1, Judge: "nobody")));
        Assert.Equal("judge", estimate.Field);
    }

    [Fact]
    public async Task Reverification_with_a_wider_tolerance_reports_the_changed_verdicts()
    {
        await using var h = await JudgeTestSupport.StartAsync(Script);
        var source = await JudgeTestSupport.ImportAsync(h, "open", Seeds);
        // 3010 vs 3000 is 0.33% off: wrong at 0.1%, right at the default 0.5%.
        var run = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 2, RelativeTolerance: 0.001));
        Assert.Equal(2, run.Incorrect);
        var sent = h.Simulator.Stats.Requests;
        var reverifier = h.Services.GetRequiredService<Reverifier>();

        var wider = await reverifier.ReverifyAsync(run.Id, relativeTolerance: 0.005);

        Assert.Equal(6, wider.Examined);
        Assert.Equal(2, wider.Changed);
        Assert.Equal(2, wider.CorrectBefore);
        Assert.Equal(4, wider.CorrectAfter);
        Assert.Equal(2, wider.IncorrectBefore);
        Assert.Equal(0, wider.IncorrectAfter);
        Assert.Equal(2, wider.UnverifiableAfter);
        Assert.Equal(sent, h.Simulator.Stats.Requests);
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            var number = await db.Questions.SingleAsync(q => q.Text == NumberQuestion);
            Assert.Equal(1.0, number.PassRate);
            Assert.Equal(Difficulty.Simple, number.Difficulty);
            Assert.All(await db.Traces.Where(t => t.QuestionId == number.Id).ToListAsync(), t =>
            {
                Assert.Equal(Verdict.Correct, t.Verdict);
                Assert.Contains("within 0.5%", t.VerdictReason, StringComparison.Ordinal);
            });
        }

        // Then a judge for the open answers: one judgement, and nothing else changes.
        var judged = await reverifier.ReverifyAsync(run.Id, judge: "sim");
        Assert.Equal(2, judged.Changed);
        Assert.Equal(6, judged.CorrectAfter);
        Assert.Equal(sent + 1, h.Simulator.Stats.Requests);

        // Doing it again changes nothing and sends nothing; both are on record.
        var same = await reverifier.ReverifyAsync(run.Id, judge: "sim");
        Assert.Equal(0, same.Changed);
        Assert.Equal(sent + 1, h.Simulator.Stats.Requests);
        Assert.Equal(3, (await reverifier.ListAsync(run.Id)).Count);
    }

    [Fact]
    public async Task Reverification_refuses_a_running_run_and_an_unknown_judge()
    {
        await using var h = await JudgeTestSupport.StartAsync(Script);
        var source = await JudgeTestSupport.ImportAsync(h, "open", Seeds);
        var run = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        var reverifier = h.Services.GetRequiredService<Reverifier>();

        var e = await Assert.ThrowsAsync<RunValidationException>(() => reverifier.ReverifyAsync(run.Id, judge: "nobody"));
        Assert.Equal("judge", e.Field);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => reverifier.ReverifyAsync(9999));
        await using var db = await h.Db.CreateDbContextAsync();
        await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running));
        await Assert.ThrowsAsync<RunStateException>(() => reverifier.ReverifyAsync(run.Id));
    }

    [Fact]
    public async Task A_question_without_a_reference_gets_a_majority_answer_marked_as_such()
    {
        await using var h = await JudgeTestSupport.StartAsync(Script);
        var source = await JudgeTestSupport.ImportAsync(h, "open", Seeds);
        await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            await db.Questions.Where(q => q.Text == NumberQuestion || q.Text == ChoiceQuestion)
                .ExecuteUpdateAsync(s => s.SetProperty(q => q.ReferenceAnswer, (string?)null));
        }

        await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 3, SamplingSalt: "sc"));

        await using (var db = await h.Db.CreateDbContextAsync())
        {
            var number = await db.Questions.SingleAsync(q => q.Text == NumberQuestion);
            Assert.Null(number.ReferenceAnswer);
            Assert.Equal("3010元", number.MajorityAnswer);
            Assert.Equal(1.0, number.MajorityShare);
            Assert.Equal("B", (await db.Questions.SingleAsync(q => q.Text == ChoiceQuestion)).MajorityAnswer);
            Assert.Null((await db.Questions.SingleAsync(q => q.Text == OpenQuestion)).MajorityAnswer);
        }
    }

    [Fact]
    public void Majority_needs_more_than_half_and_counts_equivalent_answers_together()
    {
        Assert.Equal(("30000元", 0.75), QuestionStatistics.Majority(["30000元", "3万元", "30,000", "25000"]));
        Assert.Null(QuestionStatistics.Majority(["A", "B"]));
        Assert.Null(QuestionStatistics.Majority(["A"]));
        Assert.Null(QuestionStatistics.Majority([null, null, "12%"]));
        Assert.Equal(("12%", 2 / 3.0), QuestionStatistics.Majority(["12%", null, "0.12"]));
    }
}
