using Bunit;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Web.Components.Common;
using DeepFinance.Web.Components.Pages.Traces;
using DeepFinance.Web.Tests.Localization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace DeepFinance.Web.Tests.Components;

/// <summary>The task type and difficulty editor: operators correct (saved, audited), other roles read.</summary>
public sealed class QuestionClassificationEditorTests
{
    private static async Task<long> QuestionAsync(UiTestHost host)
    {
        await using var db = await host.DbAsync();
        var q = new Question
        {
            Origin = QuestionOrigin.Q2A, Text = "Which ratio best shows whether a firm can pay its bills over the next year?", ReferenceAnswer = "the current ratio",
            TaskType = TaskType.KnowledgeQa, TaskTypeSource = TaskTypeSource.Rule, TaskTypeDetail = "rule: default",
            Difficulty = Difficulty.Simple, DifficultySource = DifficultySource.Rule, DifficultyDetail = "rule: figures 0, steps 0 → score 0",
            Language = "en", CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Questions.Add(q);
        await db.SaveChangesAsync();
        return q.Id;
    }

    [Fact]
    public async Task An_operator_corrects_task_type_and_difficulty_which_are_saved_with_source_operator_and_audited()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync("olga@test", ["Operate", "Read"], ["Operator"], null);
        var id = await QuestionAsync(host);

        var cut = host.Context.Render<QuestionClassificationEditor>(p => p.Add(x => x.QuestionId, id));

        cut.WaitForAssertion(() => Assert.Equal("by a rule", cut.Find("[data-testid=classification-task-type-source]").TextContent.Trim()));
        Assert.True(cut.Find("[data-testid=classification-save]").HasAttribute("disabled"));
        await cut.InvokeAsync(() => cut.FindComponents<MudSelect<TaskType?>>().Single().Instance.ValueChanged.InvokeAsync(TaskType.AnalysisInterpretation));
        await cut.InvokeAsync(() => cut.FindComponents<MudSelect<Difficulty?>>().Single().Instance.ValueChanged.InvokeAsync(Difficulty.Medium));
        await cut.InvokeAsync(() => cut.FindComponents<MudTextField<string>>().Single().Instance.ValueChanged.InvokeAsync("it asks to interpret a ratio"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=classification-save]").Click());

        cut.WaitForAssertion(() => Assert.Equal("Saved.", cut.Find("[data-testid=classification-message]").TextContent.Trim()));
        Assert.Equal("corrected by an operator", cut.Find("[data-testid=classification-task-type-source]").TextContent.Trim());
        Assert.Equal("Analysis & Interpretation", cut.Find("[data-testid=classification-task-type]").TextContent.Trim());
        Assert.Equal("corrected by an operator", cut.Find("[data-testid=classification-difficulty-source]").TextContent.Trim());
        await using var db = await host.DbAsync();
        var saved = await db.Questions.SingleAsync(q => q.Id == id);
        Assert.Equal((TaskType.AnalysisInterpretation, TaskTypeSource.Operator, Difficulty.Medium, DifficultySource.Operator),
            (saved.TaskType, saved.TaskTypeSource, saved.Difficulty, saved.DifficultySource));
        var (total, entries) = await host.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditFilter(Action: "question.classification-corrected"));
        Assert.Equal(1, total);
        Assert.Equal("olga@test", entries[0].Actor);
        Assert.Contains("KnowledgeQa", entries[0].Before, StringComparison.Ordinal);
        Assert.Contains("it asks to interpret a ratio", entries[0].After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reviewer_sees_the_labels_and_their_sources_read_only_on_the_trace_page()
    {
        TestCulture.Use("zh-CN");
        await using var host = await UiTestHost.CreateAsync("rita@test", ["Read", "Review"], ["Reviewer"], null);
        var runId = await host.SeedRunWithTracesAsync(1);
        await using (var db = await host.DbAsync())
        {
            var trace = await db.Traces.FirstAsync(t => t.RunId == runId);
            await db.Questions.Where(q => q.Id == trace.QuestionId).ExecuteUpdateAsync(s => s
                .SetProperty(q => q.TaskTypeSource, TaskTypeSource.Seed).SetProperty(q => q.DifficultySource, DifficultySource.PassRate));
        }
        var traceId = (await (await host.DbAsync()).Traces.FirstAsync(t => t.RunId == runId)).Id;

        var cut = host.Context.Render<TraceView>(p => p.Add(x => x.Id, traceId));

        cut.WaitForAssertion(() => Assert.Equal("来自种子", cut.Find("[data-testid=classification-task-type-source]").TextContent.Trim()));
        Assert.Equal("按通过率", cut.Find("[data-testid=classification-difficulty-source]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=classification-save]"));
        Assert.Empty(cut.FindComponents<MudSelect<TaskType?>>());
    }
}
