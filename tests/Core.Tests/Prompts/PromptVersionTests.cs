using System.Collections.Concurrent;
using System.Text.Json;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.LlmSim;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Prompts;

/// <summary>Operators' prompt versions and the preview, against a real SQLite file and the simulator over HTTP.</summary>
public sealed class PromptVersionTests
{
    private static PromptLibrary Library(PipelineHarness h) => h.Services.GetRequiredService<PromptLibrary>();
    private static PromptPreviews Previews(PipelineHarness h) => h.Services.GetRequiredService<PromptPreviews>();

    private static async Task<string> EditedSampleBodyAsync(PipelineHarness h, string extra)
    {
        var latest = await Library(h).GetAsync(PromptLibrary.CotSample, null);
        return latest.Body.Replace("[user]", $"{extra}\n[user]", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_saved_body_becomes_the_next_version_the_old_one_stays_and_the_audit_log_names_it()
    {
        await using var h = await PipelineHarness.StartAsync();
        var library = Library(h);
        var v1 = await library.GetAsync(PromptLibrary.CotSample, null);
        var body = await EditedSampleBodyAsync(h, "Keep every figure in the question's currency.");

        var saved = await library.SaveVersionAsync(PromptLibrary.CotSample, body, "op@bank.example");

        Assert.Equal(v1.Version + 1, saved.Version);
        Assert.Equal(saved.Id, (await library.GetAsync(PromptLibrary.CotSample, null)).Id);
        Assert.Equal(v1.Body, (await library.GetAsync(PromptLibrary.CotSample, v1.Version)).Body);
        var versions = await library.ListVersionsAsync(PromptLibrary.CotSample);
        Assert.Equal(["op@bank.example", "shipped"], versions.Select(v => v.CreatedBy));
        var (total, entries) = await h.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditFilter(Action: "prompt."));
        var entry = Assert.Single(entries);
        Assert.Equal("op@bank.example", entry.Actor);
        Assert.Equal("prompt:cot-sample", entry.Subject);
        Assert.Contains($"\"version\":{saved.Version}", entry.After, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(body))), entry.After,
            StringComparison.Ordinal);
        Assert.Equal(1, total);
    }

    [Fact]
    public async Task Unchanged_unknown_unparsable_sectionless_and_oversized_bodies_are_refused_and_nothing_is_stored()
    {
        await using var h = await PipelineHarness.StartAsync();
        var library = Library(h);
        var v1 = await library.GetAsync(PromptLibrary.CotSample, null);

        var same = await Assert.ThrowsAsync<PromptValidationException>(() => library.SaveVersionAsync(PromptLibrary.CotSample, v1.Body, "op"));
        Assert.Contains($"same as version {v1.Version}", same.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<KeyNotFoundException>(() => library.SaveVersionAsync("no-such-prompt", "[system]\nx\n[user]\ny", "op"));

        var broken = await Assert.ThrowsAsync<PromptValidationException>(() =>
            library.SaveVersionAsync(PromptLibrary.CotSample, "[system]\nYou are careful.\n[user]\n{{ question }}\n{% if language == \"zh\" %}\n请作答。", "op"));
        Assert.NotNull(broken.Line);
        Assert.Contains($"Line {broken.Line}, column {broken.Column}", broken.Message, StringComparison.Ordinal);

        var badTag = await Assert.ThrowsAsync<PromptValidationException>(() =>
            library.SaveVersionAsync(PromptLibrary.CotSample, "[system]\nYou are careful.\n[user]\n{{ question | }}", "op"));
        Assert.Equal(4, badTag.Line);

        var sectionless = await Assert.ThrowsAsync<PromptValidationException>(() => library.SaveVersionAsync(PromptLibrary.CotSample, "{{ question }}", "op"));
        Assert.Contains("[system] or [user]", sectionless.Message, StringComparison.Ordinal);

        var huge = await Assert.ThrowsAsync<PromptValidationException>(() =>
            library.SaveVersionAsync(PromptLibrary.CotSample, "[user]\n" + new string('x', PromptLibrary.MaxBodyChars), "op"));
        Assert.Contains(PromptLibrary.MaxBodyChars.ToString(System.Globalization.CultureInfo.InvariantCulture), huge.Message, StringComparison.Ordinal);

        Assert.Single(await library.ListVersionsAsync(PromptLibrary.CotSample));
        Assert.Equal(0, (await h.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditFilter(Action: "prompt."))).Total);
    }

    [Fact]
    public async Task The_sampling_preview_is_exactly_what_a_q2a_run_sent_for_each_question()
    {
        await using var h = await PipelineHarness.StartAsync();
        var bodies = new ConcurrentQueue<string>();
        h.Simulator.Stats.BodyReceived += bodies.Enqueue;
        var source = await h.ImportSeedsAsync();
        await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        var sent = bodies.Select(Messages).ToList();
        Assert.Equal(5, sent.Count);

        await using var db = await h.Db.CreateDbContextAsync();
        foreach (var id in await db.Questions.Select(q => q.Id).ToListAsync())
        {
            var preview = await Previews(h).PreviewAsync(PromptLibrary.CotSample, id);
            var rendered = preview.Messages.Select(m => (m.Role, m.Content)).ToList();
            Assert.Contains(sent, s => s.SequenceEqual(rendered));
            Assert.Equal(RequestProvenance.Public, preview.Provenance);
        }
    }

    [Fact]
    public async Task The_a2q_preview_is_exactly_what_an_a2q_run_sent_for_its_parent()
    {
        var options = new SimulatorOptions { CorrectProbability = 1, DeriveMalformedRate = 0, DeriveMissingFieldRate = 0, DeriveIdenticalRate = 0 };
        await using var h = await PipelineHarness.StartAsync(options);
        var source = await h.ImportSeedsAsync();
        var q2a = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        var bodies = new ConcurrentQueue<string>();
        h.Simulator.Stats.BodyReceived += bodies.Enqueue;
        await h.WaitAsync(await h.Runs.LaunchAsync(new RunLaunch("a2q", "sim",
            JsonSerializer.SerializeToElement(new { sourceRunId = q2a.Id, samplesToVerify = 1, agreeAtLeast = 1 })), "test"));
        var generation = bodies.Where(b => b.Contains("[a2q:generate]", StringComparison.Ordinal)).Select(Messages).ToList();
        Assert.Equal(5, generation.Count);

        await using var db = await h.Db.CreateDbContextAsync();
        foreach (var id in await db.Questions.Where(q => q.Origin == QuestionOrigin.Q2A).Select(q => q.Id).ToListAsync())
        {
            var preview = await Previews(h).PreviewAsync("a2q-generate", id);
            Assert.Contains(generation, s => s.SequenceEqual(preview.Messages.Select(m => (m.Role, m.Content))));
        }
    }

    [Fact]
    public async Task The_self_correction_previews_are_exactly_what_an_scr_run_sent_for_each_round()
    {
        await using var h = await PipelineHarness.StartAsync(new SimulatorOptions { CorrectProbability = 0, ScrFixRate = 0 });
        var source = await h.ImportSeedsAsync();
        var q2a = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        var bodies = new ConcurrentQueue<string>();
        h.Simulator.Stats.BodyReceived += bodies.Enqueue;
        var scr = await h.WaitAsync(await h.Runs.LaunchAsync(new RunLaunch("scr", "sim",
            JsonSerializer.SerializeToElement(new { sourceRunId = q2a.Id, maxRounds = 2 })), "test"));
        var reflections = bodies.Where(b => b.Contains("[scr:reflect]", StringComparison.Ordinal)).Select(Messages).ToList();
        var rewrites = bodies.Where(b => b.Contains("[scr:rewrite]", StringComparison.Ordinal)).Select(Messages).ToList();
        Assert.Equal(10, reflections.Count);
        Assert.Equal(10, rewrites.Count);

        await using var db = await h.Db.CreateDbContextAsync();
        var rounds = await db.Traces.Where(t => t.RunId == scr.Id).ToListAsync();
        Assert.Equal(10, rounds.Count);
        foreach (var round in rounds)
        {
            // The rewrite that produced this round, and the reflection on the attempt before it.
            var rewrite = await Previews(h).PreviewAsync("scr-rewrite", round.Id);
            Assert.Null(rewrite.Note);
            Assert.Contains(rewrites, s => s.SequenceEqual(rewrite.Messages.Select(m => (m.Role, m.Content))));
            var reflect = await Previews(h).PreviewAsync("scr-reflect", round.ParentTraceId!.Value);
            Assert.Contains(reflections, s => s.SequenceEqual(reflect.Messages.Select(m => (m.Role, m.Content))));
        }
    }

    [Fact]
    public async Task A_run_launched_after_a_save_records_and_sends_the_new_version_and_an_earlier_run_keeps_its_own()
    {
        await using var h = await PipelineHarness.StartAsync();
        var source = await h.ImportSeedsAsync();
        var before = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        var bodies = new ConcurrentQueue<string>();
        h.Simulator.Stats.BodyReceived += bodies.Enqueue;
        var saved = await Library(h).SaveVersionAsync(PromptLibrary.CotSample, await EditedSampleBodyAsync(h, "State the formula you use before any figure."), "op");

        var after = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1, SamplingSalt: "after-edit"));

        await using var db = await h.Db.CreateDbContextAsync();
        Assert.Equal(saved.Id, (await db.RunPrompts.SingleAsync(p => p.RunId == after.Id && p.Role == "sample")).PromptTemplateId);
        Assert.All(await db.Traces.Where(t => t.RunId == after.Id).ToListAsync(), t =>
        {
            Assert.Equal(saved.Id, t.PromptTemplateId);
            Assert.Equal(saved.Version, t.TemplateVersion);
        });
        Assert.Equal(5, bodies.Count);
        Assert.All(bodies, b => Assert.Contains("State the formula you use before any figure.", b, StringComparison.Ordinal));
        Assert.NotEqual(saved.Id, (await db.RunPrompts.SingleAsync(p => p.RunId == before.Id && p.Role == "sample")).PromptTemplateId);
    }

    [Fact]
    public async Task A_preview_renders_an_unsaved_body_names_an_unknown_item_and_marks_real_world_text_raw_derived()
    {
        await using var h = await PipelineHarness.StartAsync();
        var source = await h.ImportSeedsAsync();
        await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        long realWorld;
        long firstTrace;
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            var q = new Question { Origin = QuestionOrigin.RealWorld, Text = "客户[姓名]询问：定期存款提前支取按什么利率计息？", ReferenceAnswer = "活期利率", Language = "zh" };
            db.Questions.Add(q);
            await db.SaveChangesAsync();
            realWorld = q.Id;
            firstTrace = await db.Traces.OrderBy(t => t.Id).Select(t => t.Id).FirstAsync();
        }
        var previews = Previews(h);

        var draft = await previews.PreviewAsync(PromptLibrary.CotSample, realWorld, body: "[system]\nBe brief.\n[user]\nQ: {{ question }}");
        Assert.Null(draft.Version);
        Assert.Equal([("system", "Be brief."), ("user", "Q: 客户[姓名]询问：定期存款提前支取按什么利率计息？")], draft.Messages.Select(m => (m.Role, m.Content)));
        Assert.Equal(RequestProvenance.RawDerived, draft.Provenance);

        var missing = await Assert.ThrowsAsync<PromptItemNotFoundException>(() => previews.PreviewAsync(PromptLibrary.CotSample, 987654));
        Assert.Contains("987654", missing.Message, StringComparison.Ordinal);
        var noTrace = await Assert.ThrowsAsync<PromptItemNotFoundException>(() => previews.PreviewAsync(PromptLibrary.AnswerJudge, 987654));
        Assert.Contains("trace with id 987654", noTrace.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PromptValidationException>(() => previews.PreviewAsync(PromptLibrary.CotSample, realWorld, body: "{% if %}"));

        var judge = await previews.PreviewAsync(PromptLibrary.AnswerJudge, firstTrace);
        Assert.Equal(["system", "user"], judge.Messages.Select(m => m.Role));
        var found = await previews.SearchAsync(PromptLibrary.CotSample, "提前支取");
        Assert.Equal(realWorld, Assert.Single(found).Id);
        Assert.Equal(realWorld, (await previews.SearchAsync(PromptLibrary.CotSample, realWorld.ToString(System.Globalization.CultureInfo.InvariantCulture)))[0].Id);
        Assert.Equal(firstTrace, (await previews.SearchAsync(PromptLibrary.AnswerJudge, firstTrace.ToString(System.Globalization.CultureInfo.InvariantCulture)))[0].Id);
    }

    [Fact]
    public async Task The_extract_preview_on_each_passage_is_exactly_what_an_extract_run_sent()
    {
        var options = new SimulatorOptions { CorrectProbability = 1, ExtractUnsupportedRate = 0, RepairFailRate = 0, DeriveMalformedRate = 0 };
        await using var h = await PipelineHarness.StartAsync(options);
        var files = Directory.GetFiles(Extracting.ExtractRunTests.SamplesDirectory()).Order(StringComparer.Ordinal)
            .Select(f => new DocumentUpload(Path.GetFileName(f), new MemoryStream(File.ReadAllBytes(f)))).ToList();
        var set = await h.Services.GetRequiredService<DocumentImporter>().ImportAsync("preview-docs", files, new ChunkingOptions(400, 80), "test");
        var bodies = new ConcurrentQueue<string>();
        h.Simulator.Stats.BodyReceived += bodies.Enqueue;
        // The spec's defaults, which the preview shows.
        await h.WaitAsync(await h.Runs.LaunchAsync(new RunLaunch("extract", "sim",
            JsonSerializer.SerializeToElement(new { documentSetId = set.DocumentSetId, samplesToVerify = 1, agreeAtLeast = 1 })), "test"));
        var sent = bodies.Where(b => b.Contains("[extract:qa]", StringComparison.Ordinal)).Select(Messages).ToList();

        await using var db = await h.Db.CreateDbContextAsync();
        var passages = await db.Passages.Select(p => p.Id).ToListAsync();
        Assert.Equal(passages.Count, sent.Count);
        foreach (var id in passages)
        {
            var preview = await Previews(h).PreviewAsync("extract-qa", id);
            Assert.Contains(sent, m => m.SequenceEqual(preview.Messages.Select(x => (x.Role, x.Content))));
        }
        await Assert.ThrowsAsync<PromptItemNotFoundException>(() => Previews(h).PreviewAsync("extract-qa", 987654));
    }

    [Fact]
    public async Task The_classifier_preview_is_exactly_what_a_classify_run_sent_for_each_question_it_asked_about()
    {
        await using var h = await PipelineHarness.StartAsync(new SimulatorOptions { ClassifyMalformedRate = 0 });
        // Seeds without a task type, which the rules cannot settle: the classifier is asked about each.
        var path = Path.Combine(h.Directory, "untyped.jsonl");
        await File.WriteAllLinesAsync(path,
        [
            """{"question":"Which ratio best shows whether a firm can meet its short-term obligations?","answer":"current ratio"}""",
            """{"question":"请解释为什么央行降准会增加市场流动性。","answer":"释放了银行的可贷资金"}""",
        ]);
        await using (var stream = File.OpenRead(path))
        {
            var imported = await h.Services.GetRequiredService<DeepFinance.Core.Ingest.SeedImporter>().ImportAsync(stream, path, "untyped", "test");
            await h.RunToEndAsync(new RunSpec(RunKind.Q2a, imported.SourceId!.Value, "sim", 1));
        }
        var bodies = new ConcurrentQueue<string>();
        h.Simulator.Stats.BodyReceived += bodies.Enqueue;
        await h.WaitAsync(await h.Runs.LaunchAsync(new RunLaunch("classify", "sim", JsonSerializer.SerializeToElement(new { undecidedOnly = false })), "test"));
        var sent = bodies.Where(b => b.Contains("[classify:question]", StringComparison.Ordinal)).Select(Messages).ToList();
        Assert.Equal(2, sent.Count);

        await using var db = await h.Db.CreateDbContextAsync();
        var previews = new List<List<(string, string)>>();
        foreach (var id in await db.Questions.Select(q => q.Id).ToListAsync())
        {
            previews.Add([.. (await Previews(h).PreviewAsync("classify-question", id)).Messages.Select(m => (m.Role, m.Content))]);
        }
        Assert.All(sent, m => Assert.Contains(previews, p => p.SequenceEqual(m)));
    }

    private static List<(string Role, string Content)> Messages(string body) =>
        [.. JsonDocument.Parse(body).RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!))];
}
