using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Extraction;

/// <summary>
/// Q2A direct curation: each well-formed seed QA pair becomes a question carrying its reference
/// answer. Idempotent: a seed item yields one Q2A question however many runs curate it.
/// </summary>
public sealed class Q2aCurator(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    /// <summary>
    /// Creates the missing questions of a seed source in one statement inside the database: nothing of the
    /// source passes through memory, so 300,000 seed items cost what 30,000 do. The language is detected by
    /// <see cref="Languages.Detect"/>, registered as a SQL function on the connection.
    /// </summary>
    public async Task<int> CurateAsync(long seedSourceId, long runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        connection.CreateFunction("df_language", (string text) => Languages.Detect(text), isDeterministic: true);
        // A seed item without a task type gets one from the rules (TaskTypeClassifier), and the rule's name is kept with it;
        // every question gets the rule-based difficulty (DifficultyEstimator), which pass rates and the classifier refine later.
        connection.CreateFunction("df_task_type", (string text, string? options, string? answer) => TaskRule(text, options, answer).Type.ToString(),
            isDeterministic: true);
        connection.CreateFunction("df_task_rule", (string text, string? options, string? answer) =>
            ClassificationPrecedence.Cut("rule: " + TaskRule(text, options, answer).Rule), isDeterministic: true);
        connection.CreateFunction("df_difficulty", (string text, string? options, string? answer) =>
            DifficultyEstimator.Estimate(text, OptionList(options), answer).Difficulty.ToString(), isDeterministic: true);
        connection.CreateFunction("df_difficulty_rule", (string text, string? options, string? answer) =>
            ClassificationPrecedence.Cut("rule: " + DifficultyEstimator.Estimate(text, OptionList(options), answer).Rule), isDeterministic: true);
        var createdAt = new DateTimeOffsetToBinaryConverter().ConvertToProvider(DateTimeOffset.UtcNow);
        var origin = nameof(QuestionOrigin.Q2A);
        var seed = nameof(TaskTypeSource.Seed);
        var rule = nameof(TaskTypeSource.Rule);
        // The unique index on (SeedItemId, Origin) keeps one question per seed item when two runs curate at once;
        // OR IGNORE lets the second one go on with the first one's questions.
        return await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT OR IGNORE INTO "Questions" ("Origin", "SeedItemId", "CreatedByRunId", "Text", "ReferenceAnswer", "Options", "TaskType",
                "TaskTypeSource", "TaskTypeDetail", "Difficulty", "DifficultySource", "DifficultyDetail", "VerifiedSamples", "Language", "CreatedAt")
            SELECT {origin}, i."Id", {runId}, i."Question", i."Answer", i."Options",
                COALESCE(i."TaskType", df_task_type(i."Question", i."Options", i."Answer")),
                CASE WHEN i."TaskType" IS NULL THEN {rule} ELSE {seed} END,
                CASE WHEN i."TaskType" IS NULL THEN df_task_rule(i."Question", i."Options", i."Answer") ELSE 'seed item ' || i."LineNumber" END,
                COALESCE(i."Difficulty", df_difficulty(i."Question", i."Options", i."Answer")),
                CASE WHEN i."Difficulty" IS NULL THEN {rule} ELSE {seed} END,
                CASE WHEN i."Difficulty" IS NULL THEN df_difficulty_rule(i."Question", i."Options", i."Answer") ELSE 'seed item ' || i."LineNumber" END,
                0, df_language(i."Question"), {createdAt}
            FROM "SeedItems" i
            WHERE i."SeedSourceId" = {seedSourceId}
              AND NOT EXISTS (SELECT 1 FROM "Questions" q WHERE q."SeedItemId" = i."Id" AND q."Origin" = {origin})
            ORDER BY i."Id"
            """, ct);
    }

    /// <summary>Only the option count matters to the task type rules.</summary>
    private static TaskTypeGuess TaskRule(string text, string? options, string? answer) =>
        TaskTypeClassifier.Classify(text, string.IsNullOrWhiteSpace(options) || options.Trim() == "[]" ? null : ["option"], answer);

    /// <summary>The stored JSON array of options (as EF writes it), or null.</summary>
    private static List<string>? OptionList(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<List<string>>(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

public static class Languages
{
    /// <summary>"zh" when a fifth or more of the letters are CJK ideographs, else "en".</summary>
    public static string Detect(string text)
    {
        int cjk = 0, letters = 0;
        foreach (var ch in text)
        {
            if (ch is >= '\u4e00' and <= '\u9fff')
            {
                cjk++;
                letters++;
            }
            else if (char.IsLetter(ch))
            {
                letters++;
            }
        }
        return letters > 0 && cjk * 5 >= letters ? "zh" : "en";
    }
}
