using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;

namespace DeepFinance.Core.Tests.Extracting;

/// <summary>Which label source may replace which, the rule-based difficulty, and the strict reading of classifier answers.</summary>
public sealed class ClassificationRulesTests
{
    [Theory]
    [InlineData(null, DifficultySource.Rule, true)]
    [InlineData(DifficultySource.Rule, DifficultySource.Classifier, true)]
    [InlineData(DifficultySource.Rule, DifficultySource.PassRate, true)]
    [InlineData(DifficultySource.Classifier, DifficultySource.PassRate, true)]
    [InlineData(DifficultySource.PassRate, DifficultySource.PassRate, true)]
    [InlineData(DifficultySource.PassRate, DifficultySource.Classifier, false)]
    [InlineData(DifficultySource.Classifier, DifficultySource.Rule, false)]
    [InlineData(DifficultySource.Seed, DifficultySource.PassRate, false)]
    [InlineData(DifficultySource.Expert, DifficultySource.PassRate, false)]
    [InlineData(DifficultySource.Operator, DifficultySource.PassRate, false)]
    [InlineData(DifficultySource.Operator, DifficultySource.Classifier, false)]
    [InlineData(DifficultySource.Seed, DifficultySource.Operator, true)]
    [InlineData(DifficultySource.Operator, DifficultySource.Operator, true)]
    public void Difficulty_precedence(DifficultySource? current, DifficultySource incoming, bool allowed) =>
        Assert.Equal(allowed, ClassificationPrecedence.MayOverwrite(current, incoming));

    [Theory]
    [InlineData(null, TaskTypeSource.Rule, true)]
    [InlineData(TaskTypeSource.Rule, TaskTypeSource.Classifier, true)]
    [InlineData(TaskTypeSource.Classifier, TaskTypeSource.Classifier, true)]
    [InlineData(TaskTypeSource.Classifier, TaskTypeSource.Rule, false)]
    [InlineData(TaskTypeSource.Seed, TaskTypeSource.Classifier, false)]
    [InlineData(TaskTypeSource.Parent, TaskTypeSource.Classifier, false)]
    [InlineData(TaskTypeSource.Expert, TaskTypeSource.Classifier, false)]
    [InlineData(TaskTypeSource.Operator, TaskTypeSource.Classifier, false)]
    [InlineData(TaskTypeSource.Seed, TaskTypeSource.Operator, true)]
    public void Task_type_precedence(TaskTypeSource? current, TaskTypeSource incoming, bool allowed) =>
        Assert.Equal(allowed, ClassificationPrecedence.MayOverwrite(current, incoming));

    [Fact]
    public void Sources_an_incoming_label_may_replace_are_listed_for_sql()
    {
        Assert.Equal(["Rule", "Classifier", "PassRate"], ClassificationPrecedence.Replaceable(DifficultySource.PassRate).OrderBy(s => s switch { "Rule" => 0, "Classifier" => 1, _ => 2 }));
        Assert.Equal(["Rule", "Classifier"], ClassificationPrecedence.Replaceable(TaskTypeSource.Classifier).Order().Reverse());
    }

    [Theory]
    [InlineData("What is a bond?", null, "a debt security", Difficulty.Simple, 0)]
    [InlineData("A loan of 200000 at 5% for 3 years; what is the simple interest?", null, "30000", Difficulty.Simple, 0)]
    [InlineData("A loan of 200000 at 5% for 3 years with 2% fees: find the interest, then the fees.", null, "34000", Difficulty.Medium, 2)]
    [InlineData("Revenue was 120, 135, 150 and 170 and costs 80, 90, 95 and 99; compute each margin, then the average, then its change, then compare.", null, "1.2", Difficulty.Hard, 4)]
    [InlineData("Which of these are bank liabilities?", "deposits|loans|bonds issued|cash", "AC", Difficulty.Medium, 1)]
    public void Rule_based_difficulty_scores_figures_steps_length_and_choices(string text, string? options, string answer, Difficulty expected, int score)
    {
        var guess = DifficultyEstimator.Estimate(text, options?.Split('|'), answer);
        Assert.Equal((expected, score), (guess.Difficulty, guess.Score));
        Assert.EndsWith($"→ score {score}", guess.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void A_classifier_answer_is_read_with_any_of_the_type_spellings()
    {
        Assert.Equal(new ClassifierLabel(TaskType.AnalysisInterpretation, Difficulty.Hard, "explains causes"),
            ClassificationOutput.Read("""{"task_type":"Analysis & Interpretation","difficulty":"Hard","reason":"explains causes"}"""));
        Assert.Equal(TaskType.KnowledgeQa, ClassificationOutput.Read("```json\n{\"task_type\":\"KnowledgeQA\",\"difficulty\":\"simple\",\"reason\":\"\"}\n```").TaskType);
    }

    [Theory]
    [InlineData("""{"task_type":"Poetry","difficulty":"hard","reason":"x"}""", "unknown task_type \"Poetry\"")]
    [InlineData("""{"task_type":"Math","difficulty":"extreme","reason":"x"}""", "unknown difficulty \"extreme\"")]
    [InlineData("""{"task_type":"Math","difficulty":"1","reason":"x"}""", "unknown difficulty \"1\"")]
    [InlineData("""{"difficulty":"hard"}""", "no \"task_type\" string")]
    [InlineData("""{"task_type":"Math","diff""", "not valid JSON")]
    public void A_bad_classifier_answer_says_what_is_wrong(string content, string expected)
    {
        var e = Assert.Throws<MalformedOutputException>(() => ClassificationOutput.Read(content));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
