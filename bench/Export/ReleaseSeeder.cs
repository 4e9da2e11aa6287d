using System.Data.Common;
using System.Text;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// A Ready release of N traces written fast: one run, question and trace through EF (so every required column has a
/// real value), then N/3 questions and N traces copied from them by <c>INSERT … SELECT</c> over a recursive counter,
/// with the text varied per row at realistic lengths (questions 150–400 characters, reasoning 1,500–4,500, answers
/// 100–400), and every trace frozen into the release (one in ten as an accepted rewrite of its neighbour). The column
/// lists are read from the tables, so a schema change needs no edit here.
/// </summary>
internal static class ReleaseSeeder
{
    public static async Task<long> SeedAsync(IServiceProvider services, int traces)
    {
        var factory = services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        var run = new Run
        {
            Kind = "q2a", Status = RunStatus.Completed, SynthesizerName = "sim", Model = "qwq-sim", SamplesPerQuestion = 3, SamplingSalt = "",
            ParametersJson = "{}", CreatedAt = now,
        };
        db.Runs.Add(run);
        var question = new Question
        {
            Origin = QuestionOrigin.Q2A, Text = "seed", Language = "en", TaskType = TaskType.Math, Difficulty = Difficulty.Medium,
            DifficultySource = DifficultySource.PassRate, PassRate = 0.5, VerifiedSamples = 3, ReferenceAnswer = "42", CreatedAt = now,
        };
        db.Questions.Add(question);
        await db.SaveChangesAsync();
        var trace = new CotTrace
        {
            RunId = run.Id, QuestionId = question.Id, Status = TraceStatus.Succeeded, Reasoning = "seed", Answer = "seed", ExtractedAnswer = "42",
            Verdict = DeepFinance.Core.Verification.Verdict.Correct, VerdictRule = "number", RequestHash = "bench-seed", SynthesizerName = "sim",
            Model = "qwq-sim", TemplateVersion = 1, PromptTokens = 180, CompletionTokens = 1200, CreatedAt = now,
        };
        db.Traces.Add(trace);
        var release = new DeepFinance.Core.Data.Release
        {
            Version = "bench", Status = ReleaseStatus.Ready, SelectionJson = "{}", CreatedBy = "bench", CreatedAt = now, License = "CC-BY-4.0",
        };
        db.Releases.Add(release);
        await db.SaveChangesAsync();

        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var questions = (traces + 2) / 3;
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await CopyAsync(connection, "Questions", question.Id, questions, new()
            {
                ["Text"] = "'Case ' || s.i || '. ' || substr(@question, 1 + (s.i * 13) % 200, 150 + (s.i * 37) % 250)",
                ["TaskType"] = "CASE s.i % 6 WHEN 0 THEN 'TextGeneration' WHEN 1 THEN 'AnalysisInterpretation' WHEN 2 THEN 'Nlp' "
                    + "WHEN 3 THEN 'ComplianceSecurity' WHEN 4 THEN 'Math' ELSE 'KnowledgeQa' END",
                ["Difficulty"] = "CASE s.i % 3 WHEN 0 THEN 'Simple' WHEN 1 THEN 'Medium' ELSE 'Hard' END",
                ["Origin"] = "CASE s.i % 4 WHEN 0 THEN 'Q2A' WHEN 1 THEN 'A2Q' WHEN 2 THEN 'T2Q' ELSE 'RealWorld' END",
                ["PassRate"] = "(s.i % 5) / 4.0",
                ["Language"] = "CASE s.i % 2 WHEN 0 THEN 'en' ELSE 'zh' END",
            });
            // Three samples for each new question: s.i counts traces, question = first new id + s.i / 3.
            var firstQuestion = question.Id + 1;
            await CopyAsync(connection, "Traces", trace.Id, traces, new()
            {
                ["QuestionId"] = $"{firstQuestion} + (s.i - 1) / 3",
                ["SampleIndex"] = "(s.i - 1) % 3",
                ["Reasoning"] = "'Step 0 of case ' || s.i || '. ' || substr(@reasoning, 1 + (s.i * 7919) % 190000, 1500 + (s.i * 104729) % 3000)",
                ["Answer"] = "'The answer for case ' || s.i || ' is ' || (s.i * 17 % 1000) || '. ' || substr(@answer, 1 + (s.i * 7) % 100, 100 + (s.i * 53) % 300)",
                ["ExtractedAnswer"] = "CAST(s.i * 17 % 1000 AS TEXT)",
                ["RequestHash"] = "'bench-' || s.i",
                ["CompletionTokens"] = "400 + (s.i * 7919) % 1200",
            });
            await using (var items = connection.CreateCommand())
            {
                items.Transaction = tx;
                items.CommandText = "INSERT INTO ReleaseItems (ReleaseId, TraceId, QuestionId, Kind, ReviewId, OriginalTraceId) " +
                    "SELECT @release, t.Id, t.QuestionId, CASE WHEN t.Id % 10 = 0 THEN 'AcceptedRewrite' ELSE 'Verified' END, NULL, " +
                    "CASE WHEN t.Id % 10 = 0 THEN t.Id - 1 END FROM Traces t WHERE t.Id <> @seed";
                Add(items, "@release", release.Id);
                Add(items, "@seed", trace.Id);
                await items.ExecuteNonQueryAsync();
            }
            await tx.CommitAsync();
        }
        return release.Id;
    }

    private static async Task CopyAsync(DbConnection connection, string table, long seedId, int count, Dictionary<string, string> overrides)
    {
        var columns = new List<string>();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = $"PRAGMA table_info(\"{table}\")";
            await using var reader = await pragma.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(1));
            }
        }
        var copied = columns.Where(c => c != "Id").ToList();
        var names = string.Join(", ", copied.Select(c => $"\"{c}\""));
        var values = string.Join(", ", copied.Select(c => overrides.TryGetValue(c, out var expression) ? expression : $"x.\"{c}\""));
        await using var insert = connection.CreateCommand();
        insert.CommandText = $"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < @count) " +
            $"INSERT INTO \"{table}\" ({names}) SELECT {values} FROM s, \"{table}\" x WHERE x.Id = @seed";
        Add(insert, "@count", count);
        Add(insert, "@seed", seedId);
        Add(insert, "@question", Text(QuestionText, 600));
        Add(insert, "@reasoning", Prose(200_000));
        Add(insert, "@answer", Text(AnswerText, 500));
        await insert.ExecuteNonQueryAsync();
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }

    /// <summary>
    /// Deterministic prose from the reasoning text's own words and numbers, shuffled, so that no two traces share long
    /// runs and compression sees something closer to natural text than a repeated paragraph.
    /// </summary>
    private static string Prose(int length)
    {
        var words = ReasoningText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var random = new Random(20261201);
        var text = new StringBuilder(length + 64);
        while (text.Length < length)
        {
            var word = words[random.Next(words.Length)];
            text.Append(random.Next(12) == 0 ? random.Next(100_000).ToString(System.Globalization.CultureInfo.InvariantCulture) : word).Append(' ');
            if (random.Next(15) == 0)
            {
                text.Append("\n");
            }
        }
        return text.ToString(0, length);
    }

    private static string Text(string unit, int length)
    {
        var text = new StringBuilder(length + unit.Length);
        while (text.Length < length)
        {
            text.Append(unit);
        }
        return text.ToString(0, length);
    }

    private const string QuestionText = "A firm holds a bond portfolio of 2,000,000 with a modified duration of 6.2; if yields rise by 35 basis points, "
        + "by how much does the portfolio's value change, and what does that say about its interest-rate risk? 某银行的资本充足率为 11.5%，若风险加权资产增加 8%，"
        + "在资本不变的情况下资本充足率变为多少？";

    private const string ReasoningText = "First, recall the definition: the approximate percentage change in price equals minus the modified duration "
        + "times the change in yield. Here the change in yield is 0.0035, so the percentage change is -6.2 × 0.0035 = -0.0217, that is -2.17%. "
        + "Applying it to the portfolio value gives 2,000,000 × -0.0217 = -43,400. Let me check the units again: basis points are hundredths of a "
        + "percent, so 35 bp is 0.35% = 0.0035; the computation stands. 接下来考虑资本充足率：资本充足率 = 资本 / 风险加权资产。设原风险加权资产为 A，资本为 0.115A。"
        + "风险加权资产增加 8% 后为 1.08A，资本充足率为 0.115A / 1.08A ≈ 10.65%。再核对一遍：0.115 ÷ 1.08 = 0.10648，约为 10.65%，仍高于 10.5% 的要求。 ";

    private const string AnswerText = "The portfolio loses about 43,400 (−2.17%), a moderate sensitivity to rates. 资本充足率约为 10.65%。 ";
}
