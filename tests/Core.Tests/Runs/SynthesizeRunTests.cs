using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Tests.Runs;

/// <summary><c>synthesize</c>: questions already in the pool, chosen by a filter, sampled again.</summary>
public sealed class SynthesizeRunTests
{
    [Fact]
    public async Task Questions_chosen_by_a_filter_get_k_new_samples_each_and_stored_answers_are_not_bought_again()
    {
        await using var h = await PipelineHarness.StartAsync();
        var source = await h.ImportSeedsAsync();
        var first = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        Assert.Equal(5, first.Done);
        var sent = h.Simulator.Stats.Requests;

        var spec = JsonSerializer.SerializeToElement(new { filter = new { seedSourceId = source, taskType = "math" }, samplesPerQuestion = 2 });
        var estimate = await h.Runs.EstimateAsync(new RunLaunch("synthesize", "sim", spec));
        Assert.Equal(3, estimate.Questions);
        Assert.Equal(6, estimate.Requests);
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(new RunLaunch("synthesize", "sim", spec, Name: "math again"), "test"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal("synthesize", run.Kind);
        Assert.Equal(6, run.Total);
        Assert.Equal(6, run.Done);
        // Sample 0 of each question is the same request the q2a run made: it comes from the store.
        Assert.Equal(3, run.FromStore);
        Assert.Equal(sent + 3, h.Simulator.Stats.Requests);
        await using var db = await h.Db.CreateDbContextAsync();
        var questions = await db.Traces.Where(t => t.RunId == run.Id).Select(t => t.QuestionId).Distinct().ToListAsync();
        Assert.Equal(3, questions.Count);
        Assert.All(await db.Questions.Where(q => questions.Contains(q.Id)).ToListAsync(), q => Assert.Equal(TaskType.Math, q.TaskType));
        Assert.Equal("sample", Assert.Single(await db.RunPrompts.Where(p => p.RunId == run.Id).ToListAsync()).Role);
    }

    [Fact]
    public async Task A_filter_naming_unknown_questions_or_matching_nothing_is_refused_on_its_field()
    {
        await using var h = await PipelineHarness.StartAsync();
        var source = await h.ImportSeedsAsync();
        await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));

        var unknown = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(new RunLaunch("synthesize", "sim",
            JsonSerializer.SerializeToElement(new { filter = new { questionIds = new[] { 1, 99999 } } })), "test"));
        Assert.Equal("filter.questionIds", unknown.Field);
        Assert.Contains("99999", unknown.Message);

        var none = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(new RunLaunch("synthesize", "sim",
            JsonSerializer.SerializeToElement(new { filter = new { origin = "a2q" } })), "test"));
        Assert.Equal("filter", none.Field);

        var wrongType = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(new RunLaunch("synthesize", "sim",
            JsonSerializer.SerializeToElement(new { samplesPerQuestion = "many" })), "test"));
        Assert.StartsWith("spec", wrongType.Field);
    }
}
