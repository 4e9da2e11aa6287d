using System.Security.Claims;
using System.Text.Json;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.LlmSim;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Extracting;

/// <summary>The <c>classify</c> run kind end to end against the simulator over HTTP, on a real SQLite file; operators' corrections.</summary>
public sealed class ClassifyRunTests
{
    private const string Interest = "A deposit of 1000 earns 3% a year. How much interest after 2 years?";
    private const string Liquidity = "Which ratio best shows whether a firm can pay its bills over the next year?";
    private const string Aml = "根据反洗钱规定，客户身份识别属于哪类义务？A. 合规义务 B. 营销义务";
    private const string Note = "Draft a short note to clients about the central bank's rate cut.";
    private const string Broken = "Which body supervises listed firms in the Zephyr market?";
    private const string Liability = "Which of these is a liability of a commercial bank?";

    /// <summary>Six untyped seed items; the oracle gives the labels of two, the script breaks one answer.</summary>
    private static async Task<(PipelineHarness H, Dictionary<string, long> Ids)> CuratedAsync(IDictionary<string, string?>? settings = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "df-classify-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var oracle = Path.Combine(dir, "oracle.jsonl");
        await File.WriteAllLinesAsync(oracle,
        [
            JsonSerializer.Serialize(new { question = Liquidity, answer = "the current ratio", task_type = "Analysis & Interpretation", difficulty = "medium" }),
            JsonSerializer.Serialize(new { question = Aml, answer = "A", task_type = "Compliance & Security", difficulty = "simple" }),
            // Known to the oracle for sampling, without labels: the classifier step guesses from keywords.
            JsonSerializer.Serialize(new { question = Interest, answer = "60" }),
            JsonSerializer.Serialize(new { question = Liability, answer = "customer deposits" }),
        ]);
        var script = Path.Combine(dir, "script.jsonl");
        await File.WriteAllLinesAsync(script,
        [
            JsonSerializer.Serialize(new { match = new { contains = "Zephyr market" }, content = """{"task_type":"Astrology","difficulty":"hard","reason":"stars"}""" }),
        ]);
        var h = await PipelineHarness.StartAsync(new SimulatorOptions { OracleFile = oracle, ScriptFile = script, ClassifyMalformedRate = 0 }, settings);
        var seeds = Path.Combine(h.Directory, "untyped.jsonl");
        await File.WriteAllLinesAsync(seeds,
        [
            JsonSerializer.Serialize(new { question = Interest, answer = "60" }),
            JsonSerializer.Serialize(new { question = Liquidity, answer = "the current ratio" }),
            JsonSerializer.Serialize(new { question = Aml, answer = "A" }),
            JsonSerializer.Serialize(new { question = Note, answer = "A short client note." }),
            JsonSerializer.Serialize(new { question = Broken, answer = "its securities commission" }),
            JsonSerializer.Serialize(new { question = Liability, answer = "customer deposits" }),
        ]);
        long source;
        await using (var stream = File.OpenRead(seeds))
        {
            var imported = await h.Services.GetRequiredService<SeedImporter>().ImportAsync(stream, seeds, "untyped", "test");
            Assert.True(imported.Succeeded, string.Join("; ", imported.Errors));
            source = imported.SourceId!.Value;
        }
        // Curation alone: every question typed and rated by the rules, nothing sampled yet.
        await h.Services.GetRequiredService<Q2aCurator>().CurateAsync(source, 0, CancellationToken.None);
        await using var db = await h.Db.CreateDbContextAsync();
        var ids = await db.Questions.ToDictionaryAsync(q => q.Text, q => q.Id);
        return (h, ids);
    }

    private static RunLaunch Launch(object spec, string kind = "classify") => new(kind, "sim", JsonSerializer.SerializeToElement(spec));

    private static ClaimsPrincipal User(string name, params string[] roles) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))], "test"));

    [Fact]
    public async Task Classify_run_decides_obvious_cases_by_rule_asks_the_model_for_the_rest_fails_a_bad_label_alone_and_keeps_an_operator_correction()
    {
        var (h, ids) = await CuratedAsync();
        await using var _ = h;
        var labels = h.Services.GetRequiredService<QuestionClassification>();
        // An operator settles the task type of one question before the run; its difficulty is still the rules' guess.
        await labels.CorrectAsync(ids[Liability], TaskType.Nlp, null, "checked by hand", User("olga@bank.example", "Operator"));
        var before = h.Simulator.Stats.Requests;

        var run = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { }), "test"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(6, run.Total);
        Assert.Equal(5, run.Done);
        Assert.Equal(1, run.Failed);
        // The interest question is Math by rule: five requests for six questions.
        Assert.Equal(5, h.Simulator.Stats.Requests - before);
        Assert.Equal(5, run.Attempts);
        await using var db = await h.Db.CreateDbContextAsync();
        var q = await db.Questions.ToDictionaryAsync(x => x.Text);

        Assert.Equal((TaskType.Math, TaskTypeSource.Rule, "rule: numeric-answer"), (q[Interest].TaskType, q[Interest].TaskTypeSource, q[Interest].TaskTypeDetail));
        Assert.Equal(DifficultySource.Rule, q[Interest].DifficultySource);

        Assert.Equal((TaskType.AnalysisInterpretation, TaskTypeSource.Classifier, Difficulty.Medium, DifficultySource.Classifier),
            (q[Liquidity].TaskType, q[Liquidity].TaskTypeSource, q[Liquidity].Difficulty, q[Liquidity].DifficultySource));
        Assert.StartsWith("simulator · classify-question v1", q[Liquidity].TaskTypeDetail, StringComparison.Ordinal);
        Assert.Equal((TaskType.ComplianceSecurity, Difficulty.Simple), (q[Aml].TaskType, q[Aml].Difficulty));
        // Not in the oracle: the simulator's keyword guess.
        Assert.Equal((TaskType.TextGeneration, TaskTypeSource.Classifier), (q[Note].TaskType, q[Note].TaskTypeSource));

        // A label outside the six fails that item only, with the reason and the raw answer; the rules' labels stay.
        var failed = await db.RunItems.SingleAsync(i => i.RunId == run.Id && i.Status == RunItemStatus.Failed);
        Assert.Equal(ids[Broken], failed.SubjectId);
        Assert.Contains("unknown task_type \"Astrology\"", failed.Error, StringComparison.Ordinal);
        Assert.Contains("raw: {\"task_type\":\"Astrology\"", failed.Error, StringComparison.Ordinal);
        Assert.Equal(TaskTypeSource.Rule, q[Broken].TaskTypeSource);

        // The operator's task type stands; the difficulty the rules guessed is refined by the classifier.
        Assert.Equal((TaskType.Nlp, TaskTypeSource.Operator), (q[Liability].TaskType, q[Liability].TaskTypeSource));
        Assert.Equal(DifficultySource.Classifier, q[Liability].DifficultySource);
        Assert.StartsWith("operator olga@bank.example: checked by hand", q[Liability].TaskTypeDetail, StringComparison.Ordinal);

        // Once the operator settles the difficulty too, no classify run takes the question up again, and a pass rate leaves it alone.
        await labels.CorrectAsync(ids[Liability], null, Difficulty.Hard, null, User("olga@bank.example", "Operator"));
        var again = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { undecidedOnly = false, samplingSalt = "again" }), "test"));
        Assert.DoesNotContain(await db.RunItems.Where(i => i.RunId == again.Id).Select(i => i.SubjectId).ToListAsync(), id => id == ids[Liability]);
        var sampled = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { filter = new { questionIds = new[] { ids[Liability], ids[Interest] } }, samplesPerQuestion = 2 },
            "synthesize"), "test"));
        Assert.Equal(RunStatus.Completed, sampled.Status);
        await using var db2 = await h.Db.CreateDbContextAsync();
        var liability = await db2.Questions.SingleAsync(x => x.Id == ids[Liability]);
        Assert.Equal((TaskType.Nlp, Difficulty.Hard, DifficultySource.Operator), (liability.TaskType, liability.Difficulty, liability.DifficultySource));
        Assert.NotNull(liability.PassRate);
        // The rules' difficulty of the other one gives way to the measured pass rate.
        Assert.Equal(DifficultySource.PassRate, (await db2.Questions.SingleAsync(x => x.Id == ids[Interest])).DifficultySource);
    }

    [Fact]
    public async Task Classify_run_never_sends_a_real_world_question_to_an_external_synthesizer()
    {
        var (h, ids) = await CuratedAsync(new Dictionary<string, string?> { ["DeepFinance:Synthesizers:sim:External"] = "true" });
        await using var _ = h;
        long realWorld;
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            var q = new Question { Origin = QuestionOrigin.RealWorld, Text = "客户问：我的理财产品为什么亏损了？", Language = "zh", CreatedAt = DateTimeOffset.UtcNow };
            db.Questions.Add(q);
            await db.SaveChangesAsync();
            realWorld = q.Id;
        }
        var before = h.Simulator.Stats.Requests;
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { questionIds = new[] { realWorld, ids[Liquidity] } }), "test"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal((1, 1), (run.Done, run.Failed));
        // Only the public question left the building.
        Assert.Equal(1, h.Simulator.Stats.Requests - before);
        await using var db2 = await h.Db.CreateDbContextAsync();
        var item = await db2.RunItems.SingleAsync(i => i.RunId == run.Id && i.SubjectId == realWorld);
        Assert.Equal(RunItemStatus.Failed, item.Status);
        Assert.StartsWith("Refused before sending", item.Error, StringComparison.Ordinal);
        Assert.Null((await db2.Questions.SingleAsync(x => x.Id == realWorld)).TaskTypeSource);
        Assert.Equal(TaskTypeSource.Classifier, (await db2.Questions.SingleAsync(x => x.Id == ids[Liquidity])).TaskTypeSource);
    }

    [Fact]
    public async Task Launch_names_the_field_and_refuses_when_nothing_is_left_to_classify()
    {
        var (h, ids) = await CuratedAsync();
        await using var _ = h;
        var e1 = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(Launch(new { questionIds = new[] { 999_999L } }), "test"));
        Assert.Equal("spec.questionIds", e1.Field);
        var e2 = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(Launch(new { seedSourceId = 999_999L }), "test"));
        Assert.Equal("spec.seedSourceId", e2.Field);
        var labels = h.Services.GetRequiredService<QuestionClassification>();
        await labels.CorrectAsync(ids[Note], TaskType.TextGeneration, Difficulty.Simple, null, User("admin@bank.example", "Admin"));
        var e3 = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(Launch(new { questionIds = new[] { ids[Note] } }), "test"));
        Assert.Equal("spec", e3.Field);
    }

    [Fact]
    public async Task Only_operators_and_admins_correct_and_each_correction_is_audited_with_before_and_after()
    {
        var (h, ids) = await CuratedAsync();
        await using var _ = h;
        var labels = h.Services.GetRequiredService<QuestionClassification>();
        await Assert.ThrowsAsync<ClassificationForbiddenException>(() =>
            labels.CorrectAsync(ids[Note], TaskType.Nlp, null, null, User("rita@bank.example", "Reviewer", "Expert")));
        var bad = await Assert.ThrowsAsync<ClassificationValidationException>(() =>
            labels.CorrectAsync(ids[Note], (TaskType)42, null, null, User("olga@bank.example", "Operator")));
        Assert.Equal("taskType", bad.Field);
        Assert.Equal("reason", (await Assert.ThrowsAsync<ClassificationValidationException>(() =>
            labels.CorrectAsync(ids[Note], TaskType.Nlp, null, new string('x', 1001), User("olga@bank.example", "Operator")))).Field);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => labels.CorrectAsync(999_999, TaskType.Nlp, null, null, User("olga@bank.example", "Operator")));

        var after = await labels.CorrectAsync(ids[Note], TaskType.Nlp, Difficulty.Hard, "a rewriting task", User("olga@bank.example", "Operator"));
        Assert.Equal((TaskType.Nlp, TaskTypeSource.Operator, Difficulty.Hard, DifficultySource.Operator),
            (after.TaskType, after.TaskTypeSource, after.Difficulty, after.DifficultySource));
        var (total, entries) = await h.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditFilter(Action: "question.classification-corrected"));
        Assert.Equal(1, total);
        Assert.Equal("olga@bank.example", entries[0].Actor);
        Assert.Equal($"question:{ids[Note]}", entries[0].Subject);
        Assert.Contains("\"taskType\":\"TextGeneration\"", entries[0].Before, StringComparison.Ordinal);
        Assert.Contains("\"taskType\":\"Nlp\"", entries[0].After, StringComparison.Ordinal);
        Assert.Contains("a rewriting task", entries[0].After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_q2a_run_every_question_has_a_task_type_and_a_difficulty_with_their_sources()
    {
        await using var h = await PipelineHarness.StartAsync();
        var typed = await h.ImportSeedsAsync();
        await h.RunToEndAsync(new RunSpec(RunKind.Q2a, typed, "sim", 1));
        var path = Path.Combine(h.Directory, "untyped.jsonl");
        await File.WriteAllLinesAsync(path,
        [
            JsonSerializer.Serialize(new { question = Note, answer = "A note." }),
            JsonSerializer.Serialize(new { question = Liability, answer = "deposits", options = new[] { "loans", "deposits", "bonds", "cash", "gold" } }),
        ]);
        await using (var stream = File.OpenRead(path))
        {
            var imported = await h.Services.GetRequiredService<SeedImporter>().ImportAsync(stream, path, "untyped", "test");
            Assert.True(imported.Succeeded, string.Join("; ", imported.Errors));
            await h.RunToEndAsync(new RunSpec(RunKind.Q2a, imported.SourceId!.Value, "sim", 1));
        }
        await using var db = await h.Db.CreateDbContextAsync();
        var all = await db.Questions.ToListAsync();
        Assert.Equal(7, all.Count);
        Assert.All(all, q =>
        {
            Assert.NotNull(q.TaskType);
            Assert.NotNull(q.TaskTypeSource);
            Assert.False(string.IsNullOrEmpty(q.TaskTypeDetail));
            Assert.NotNull(q.Difficulty);
            Assert.NotNull(q.DifficultySource);
            Assert.False(string.IsNullOrEmpty(q.DifficultyDetail));
        });
        // Seeds that carried a type keep it as Seed; the others were typed by a named rule.
        Assert.Equal(5, all.Count(q => q.TaskTypeSource == TaskTypeSource.Seed));
        Assert.Equal("rule: writing-verbs", all.Single(q => q.Text == Note).TaskTypeDetail);
    }
}
