using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;

namespace DeepFinance.Core.Tests.Extracting;

/// <summary>The rule-first task type classifier and the strict reading of a2q/t2q answers.</summary>
public sealed class ClassifierAndOutputTests
{
    [Theory]
    [InlineData("某客户贷款20万元，年利率5%，单利计息，3年利息多少元？", null, "30000", TaskType.Math, "numeric-answer")]
    [InlineData("A bond pays 5 a year for 3 years; calculate the total. A. 10 B. 15", "A|B", "B", TaskType.Math, "choice-with-calculation")]
    [InlineData("根据反洗钱规定，金融机构发现可疑交易应当如何处理？", null, null, TaskType.ComplianceSecurity, "compliance-words")]
    [InlineData("Draft a short note to clients about the rate cut.", null, null, TaskType.TextGeneration, "writing-verbs")]
    [InlineData("Classify the sentiment of this analyst comment.", null, null, TaskType.Nlp, "language-task-verbs")]
    [InlineData("请分析利率上升对银行净息差的影响。", null, null, TaskType.AnalysisInterpretation, "analysis-verbs")]
    [InlineData("以下哪项属于商业银行的负债业务？", "发放贷款|吸收存款", "B", TaskType.KnowledgeQa, "choice")]
    [InlineData("判断：通货膨胀上升时，固定利率债券的实际收益率会上升。", null, "错误", TaskType.KnowledgeQa, "default")]
    public void Rules_pick_the_obvious_task_type_and_say_which_rule(string text, string? options, string? answer, TaskType expected, string rule)
    {
        var guess = TaskTypeClassifier.Classify(text, options?.Split('|'), answer);
        Assert.Equal(expected, guess.Type);
        Assert.Equal(rule, guess.Rule);
    }

    [Fact]
    public void A_type_given_by_seed_or_parent_wins_over_the_rules()
    {
        Assert.Equal(new TaskTypeGuess(TaskType.KnowledgeQa, "given"), TaskTypeClassifier.Classify("Calculate 2 + 2.", null, "4", TaskType.KnowledgeQa));
    }

    [Fact]
    public void A2q_answer_in_a_code_fence_reads_and_a_variant_without_answer_is_marked_not_dropped()
    {
        var proposals = DerivedOutput.ReadA2q("""
            ```json
            {"variants":[{"question":"Q1","answer":"5","perturbation":{"kind":"Number","before":"1","after":"2"}},{"question":"Q2","perturbation":{"kind":"rule"}}]}
            ```
            """);
        Assert.Equal(2, proposals.Count);
        Assert.Null(proposals[0].Missing);
        Assert.Equal("number", proposals[0].Kind);
        Assert.Equal("number: 1 → 2", DerivedWork.Describe(proposals[0]));
        Assert.Equal("answer", proposals[1].Missing);
    }

    [Theory]
    [InlineData("{\"variants\":[{\"question\":\"Q\"", "not valid JSON")]
    [InlineData("[1,2]", "not an object")]
    [InlineData("{\"items\":[]}", "no \"variants\" array")]
    [InlineData("   ", "empty")]
    public void Broken_a2q_answers_say_what_is_wrong(string content, string expected)
    {
        var e = Assert.Throws<MalformedOutputException>(() => DerivedOutput.ReadA2q(content));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void T2q_answer_gives_one_proposal_per_question_carrying_its_knowledge_point()
    {
        var proposals = DerivedOutput.ReadT2q("""
            {"points":[{"kind":"formula","statement":"Simple interest is principal × rate × years","questions":[{"question":"Q1","answer":"6"},{"question":"Q2","answer":"True"}]},
                       {"kind":"rule","questions":[{"question":"Q3","answer":"B"}]}]}
            """);
        Assert.Equal(3, proposals.Count);
        Assert.All(proposals.Take(2), p => Assert.Equal("Simple interest is principal × rate × years", p.KnowledgePoint));
        Assert.Equal("statement", proposals[2].Missing);
    }
}

/// <summary>Q2A curation types a seed item that came without a task type, by the same rules.</summary>
public sealed class CurationTaskTypeTests
{
    [Fact]
    public async Task Seed_items_without_a_task_type_get_one_from_the_rules_and_keep_a_given_one()
    {
        await using var h = await TestSupport.PipelineHarness.StartAsync();
        var path = Path.Combine(h.Directory, "untyped.jsonl");
        await File.WriteAllLinesAsync(path,
        [
            """{"question":"A deposit of 1000 earns 3% a year. How much interest after 2 years?","answer":"60"}""",
            """{"question":"根据反洗钱规定，客户身份识别属于哪类义务？A. 合规义务 B. 营销义务","answer":"A"}""",
            """{"question":"Which ratio measures liquidity?","answer":"current ratio","task_type":"Analysis & Interpretation"}""",
        ]);
        await using (var stream = File.OpenRead(path))
        {
            var imported = await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
                .GetRequiredService<DeepFinance.Core.Ingest.SeedImporter>(h.Services).ImportAsync(stream, path, "untyped", "test");
            Assert.True(imported.Succeeded, string.Join("; ", imported.Errors));
            await h.RunToEndAsync(new DeepFinance.Core.Runs.RunSpec(RunKind.Q2a, imported.SourceId!.Value, "sim", 1));
        }
        await using var db = await h.Db.CreateDbContextAsync();
        var types = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
            db.Questions.OrderBy(q => q.Id).Select(q => q.TaskType));
        Assert.Equal([TaskType.Math, TaskType.ComplianceSecurity, TaskType.AnalysisInterpretation], types);
    }

    [Fact]
    public async Task A_difficulty_mapped_from_a_seed_is_kept_with_source_seed_and_the_others_get_the_rule()
    {
        await using var h = await TestSupport.PipelineHarness.StartAsync();
        var path = Path.Combine(h.Directory, "leveled.jsonl");
        await File.WriteAllLinesAsync(path,
        [
            """{"question":"What does a bank's liquidity coverage ratio compare?","answer":"high-quality liquid assets to 30-day net outflows","level":"困难"}""",
            """{"question":"What is a treasury bill?","answer":"a short-term government debt security"}""",
        ]);
        await using (var stream = File.OpenRead(path))
        {
            var imported = await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
                .GetRequiredService<DeepFinance.Core.Ingest.SeedImporter>(h.Services).ImportMappedAsync(stream, path, "leveled", "test", null);
            Assert.True(imported.Succeeded, string.Join("; ", imported.Errors));
            await h.RunToEndAsync(new DeepFinance.Core.Runs.RunSpec(RunKind.Q2a, imported.SourceId!.Value, "sim", 1));
        }
        await using var db = await h.Db.CreateDbContextAsync();
        var rows = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
            db.Questions.OrderBy(q => q.Id).Select(q => new { q.Difficulty, q.DifficultySource }));
        Assert.Equal(Difficulty.Hard, rows[0].Difficulty);
        Assert.Equal(DifficultySource.Seed, rows[0].DifficultySource);
        Assert.NotNull(rows[1].Difficulty);
        Assert.NotEqual(DifficultySource.Seed, rows[1].DifficultySource);
    }

    [Fact]
    public void Extract_pairs_are_read_with_options_and_task_type_and_a_pair_without_answer_is_marked()
    {
        var pairs = DerivedOutput.ReadExtract("""
            {"pairs":[{"question":"Q1?","options":null,"answer":"1.85%","taskType":"Knowledge QA"},{"question":"Q2?","options":["a","b"],"taskType":null}]}
            """);
        Assert.Equal(2, pairs.Count);
        Assert.Equal(("Q1?", "1.85%", "Knowledge QA", (string?)null), (pairs[0].Text, pairs[0].Answer, pairs[0].Kind, pairs[0].Missing));
        Assert.Equal(["a", "b"], pairs[1].Options);
        Assert.Equal("answer", pairs[1].Missing);
        Assert.Throws<MalformedOutputException>(() => DerivedOutput.ReadExtract("{\"variants\":[]}"));
    }

    [Fact]
    public void Every_response_format_schema_is_valid_json_listing_all_its_properties_as_required()
    {
        foreach (var schema in new[] { OutputSchemas.Extract, OutputSchemas.A2q, OutputSchemas.T2q })
        {
            using var doc = System.Text.Json.JsonDocument.Parse(schema);
            Assert.Equal("object", doc.RootElement.GetProperty("type").GetString());
            Assert.False(doc.RootElement.GetProperty("additionalProperties").GetBoolean());
        }
    }

    [Theory]
    [InlineData("1.85%", "净息差为1.85%，较上年下降。", null)]
    [InlineData("5,280", "资产总额达到 5,280 亿元。", null)]
    [InlineData("57,280", "资产总额达到 5,280 亿元。", "57280")]
    [InlineData("True", "Any passage.", null)]
    public void An_answer_figure_must_occur_in_the_passage(string answer, string passage, string? missing)
    {
        Assert.Equal(missing, DerivedWork.Unsupported(answer, passage));
    }
}
