using System.Text;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.LlmSim;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Extracting;

/// <summary>Documents imported into passages, and the <c>extract</c> run over them against the simulator over HTTP, on a real SQLite file.</summary>
public sealed class ExtractRunTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>The demo documents shipped in samples/documents.</summary>
    public static string SamplesDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "samples", "documents")))
        {
            dir = dir.Parent;
        }
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("samples/documents not found above the test output"), "samples", "documents");
    }

    private static SimulatorOptions Clean() => new()
    {
        CorrectProbability = 1, DeriveMalformedRate = 0, DeriveMissingFieldRate = 0, DeriveIdenticalRate = 0, ExtractUnsupportedRate = 0, RepairFailRate = 0,
    };

    private static async Task<DocumentImportResult> ImportDemoAsync(PipelineHarness h, string name = "demo-docs", ChunkingOptions? chunking = null)
    {
        var files = Directory.GetFiles(SamplesDirectory()).Order(StringComparer.Ordinal)
            .Select(f => new DocumentUpload(Path.GetFileName(f), new MemoryStream(File.ReadAllBytes(f)))).ToList();
        return await h.Services.GetRequiredService<DocumentImporter>().ImportAsync(name, files, chunking ?? new ChunkingOptions(400, 80), "test");
    }

    private static RunLaunch Launch(object spec) => new("extract", "sim", JsonSerializer.SerializeToElement(spec));

    private static DerivedQueries Queries(PipelineHarness h) => h.Services.GetRequiredService<DerivedQueries>();

    [Fact]
    public async Task Extract_run_draws_verified_pairs_from_each_passage_linked_to_it_with_task_type_and_difficulty()
    {
        await using var h = await PipelineHarness.StartAsync(Clean());
        var set = await ImportDemoAsync(h);
        Assert.Equal(2, set.Documents.Count);
        Assert.Contains(set.Documents, d => d.Format == "html" && d.Title == "Bond Basics for New Analysts" && d.Language == "en");
        Assert.Contains(set.Documents, d => d.Format == "markdown" && d.Language == "zh");

        var run = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { documentSetId = set.DocumentSetId, pairsPerPassage = 3, samplesToVerify = 3, agreeAtLeast = 2 }), "test"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(set.Passages, run.Total);
        Assert.Equal(set.Passages, run.Done);
        await using var db = await h.Db.CreateDbContextAsync();
        var passages = await db.Passages.ToDictionaryAsync(p => p.Id);
        var questions = await db.Questions.Where(q => q.CreatedByRunId == run.Id).ToListAsync();
        Assert.NotEmpty(questions);
        Assert.All(questions, q =>
        {
            Assert.Equal(QuestionOrigin.Q2A, q.Origin);
            Assert.Null(q.ParentQuestionId);
            var passage = passages[q.PassageId!.Value];
            Assert.Equal(passage.Language, q.Language);
            Assert.NotNull(q.TaskType);
            Assert.NotNull(q.Difficulty);
            Assert.Equal(3, q.VerifiedSamples);
            // A figure in the answer is one the passage states.
            Assert.Null(DerivedWork.Unsupported(q.ReferenceAnswer!, passage.Text));
        });
        // The Chinese net interest margin and the English coupon both became questions with the passage's figure as answer.
        Assert.Contains(questions, q => q.Text.Contains("净息差为", StringComparison.Ordinal) && q.ReferenceAnswer == "1.85%");
        Assert.Contains(questions, q => q.Text.Contains("coupon rate of", StringComparison.Ordinal));
        // Nothing from the HTML's scripts reached a passage or a question.
        Assert.DoesNotContain(passages.Values, p => p.Text.Contains("tracking", StringComparison.Ordinal) || p.Text.Contains("Injected", StringComparison.Ordinal));
        // The sampling prompts never carried the reference: the samples are traces of the new question, answered from its text.
        var samples = await db.Traces.Where(t => t.RunId == run.Id).ToListAsync();
        Assert.Equal(questions.Count * 3, samples.Count);

        var y = await Queries(h).YieldsAsync(run.Id);
        Assert.Equal(questions.Count, y.Verified);
        Assert.Equal(y.Proposed, y.Verified + y.Rejected);
        Assert.Equal(0, y.FailedItems);
        var candidates = await db.DerivedCandidates.Where(c => c.RunId == run.Id).ToListAsync();
        Assert.All(candidates, c => Assert.NotNull(c.PassageId));
        Assert.All(candidates, c => Assert.Null(c.ParentQuestionId));
        // Passages overlap, so a sentence repeated in the next passage gives a pair already drawn: rejected as a duplicate, not stored twice.
        Assert.Equal(questions.Count, questions.Select(q => q.Text).Distinct().Count());
        output.WriteLine($"passages {set.Passages}; proposed {y.Proposed}, verified {y.Verified}, rejected {y.Rejected}: "
            + string.Join(", ", y.RejectedByReason.Select(r => $"{r.Key} {r.Value}")) + $"; requests {run.Attempts}");
    }

    [Fact]
    public async Task At_the_simulators_default_fault_rates_the_demo_extract_completes_and_every_proposal_is_accounted_for()
    {
        await using var h = await PipelineHarness.StartAsync(new SimulatorOptions());
        var set = await ImportDemoAsync(h, chunking: new ChunkingOptions());
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { documentSetId = set.DocumentSetId, pairsPerPassage = 3, samplesToVerify = 4, agreeAtLeast = 2 }), "test"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(set.Passages, run.Done + run.Failed);
        var y = await Queries(h).YieldsAsync(run.Id);
        Assert.Equal(run.Failed, y.FailedItems);
        await using var db = await h.Db.CreateDbContextAsync();
        Assert.Equal(y.Verified, await db.Questions.CountAsync(q => q.CreatedByRunId == run.Id));
        output.WriteLine($"demo extract: passages {set.Passages} (failed items {y.FailedItems}), proposed {y.Proposed}, verified {y.Verified}, rejected {y.Rejected}: "
            + string.Join(", ", y.RejectedByReason.Select(r => $"{r.Key} {r.Value}")) + $"; requests {run.Attempts}, cost {run.Cost}");
    }

    [Fact]
    public async Task Unsupported_missing_and_disagreeing_pairs_are_rejected_with_their_reasons_and_the_run_completes()
    {
        var sim = Clean();
        await using var h = await PipelineHarness.StartAsync(sim);
        var set = await ImportDemoAsync(h);
        sim.ExtractUnsupportedRate = 1;
        var unsupported = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { documentSetId = set.DocumentSetId, pairsPerPassage = 1, samplingSalt = "u" }), "test"));
        sim.ExtractUnsupportedRate = 0;
        sim.DeriveMissingFieldRate = 1;
        var missing = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { documentSetId = set.DocumentSetId, pairsPerPassage = 2, samplingSalt = "m" }), "test"));
        sim.DeriveMissingFieldRate = 0;
        sim.CorrectProbability = 0;
        var wrong = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { documentSetId = set.DocumentSetId, pairsPerPassage = 2, samplingSalt = "w" }), "test"));

        foreach (var run in new[] { unsupported, missing, wrong })
        {
            Assert.Equal(RunStatus.Completed, run.Status);
            Assert.Equal(set.Passages, run.Done);
        }
        var y1 = await Queries(h).YieldsAsync(unsupported.Id);
        Assert.True(y1.RejectedByReason.GetValueOrDefault(RejectReasons.UnsupportedAnswer) > 0, string.Join(", ", y1.RejectedByReason));
        var y2 = await Queries(h).YieldsAsync(missing.Id);
        Assert.Equal(0, y2.Verified);
        Assert.Equal(y2.Proposed, y2.RejectedByReason[RejectReasons.MissingField]);
        var y3 = await Queries(h).YieldsAsync(wrong.Id);
        Assert.Equal(0, y3.Verified);
        Assert.True(y3.RejectedByReason.GetValueOrDefault(RejectReasons.Disagreement) > 0);
        await using var db = await h.Db.CreateDbContextAsync();
        var why = await db.DerivedCandidates.FirstAsync(c => c.RunId == unsupported.Id && c.RejectReason == RejectReasons.UnsupportedAnswer);
        Assert.Matches(@"^proposal 1: the answer's figure [\d.]+ does not occur in the passage$", why.RejectDetail);
        Assert.Equal(0, await db.Questions.CountAsync(q => q.CreatedByRunId == missing.Id || q.CreatedByRunId == wrong.Id));
    }

    [Fact]
    public async Task Broken_json_gets_one_repair_request_and_when_that_fails_too_the_item_fails_with_both_raw_texts_kept()
    {
        var sim = Clean();
        sim.DeriveMalformedRate = 1;
        await using var h = await PipelineHarness.StartAsync(sim);
        var set = await ImportDemoAsync(h);

        // Every first answer is cut off; every repair succeeds.
        var repaired = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { documentSetId = set.DocumentSetId, pairsPerPassage = 2, samplesToVerify = 2, agreeAtLeast = 1, samplingSalt = "r" }), "test"));
        Assert.Equal(RunStatus.Completed, repaired.Status);
        Assert.Equal(0, repaired.Failed);
        var y = await Queries(h).YieldsAsync(repaired.Id);
        Assert.True(y.Verified > 0);
        Assert.False(y.RejectedByReason.ContainsKey(RejectReasons.MalformedJson));
        // One generation, one repair per passage, then two samples per verified pair: the repair is an ordinary paid request.
        Assert.Equal(set.Passages * 2 + y.Verified * 2 + y.RejectedByReason.GetValueOrDefault(RejectReasons.Disagreement) * 2, repaired.Attempts);

        // Repairs fail too: each item fails with both reasons, both raw answers kept, and the run still completes.
        sim.RepairFailRate = 1;
        var broken = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { documentSetId = set.DocumentSetId, pairsPerPassage = 2, samplingSalt = "b" }), "test"));
        Assert.Equal(RunStatus.Completed, broken.Status);
        Assert.Equal(set.Passages, broken.Failed);
        Assert.Equal(set.Passages * 2, broken.Attempts);
        await using var db = await h.Db.CreateDbContextAsync();
        var items = await db.RunItems.Where(i => i.RunId == broken.Id).ToListAsync();
        Assert.All(items, i => Assert.Matches(@"^malformed-json: not valid JSON .*; the repair attempt: not valid JSON ", i.Error));
        var kept = await db.DerivedCandidates.Where(c => c.RunId == broken.Id).ToListAsync();
        Assert.Equal(set.Passages, kept.Count);
        Assert.All(kept, c =>
        {
            Assert.StartsWith("{\"pairs\":", c.RawText, StringComparison.Ordinal);
            Assert.StartsWith("{\"pairs\":", c.RepairRawText, StringComparison.Ordinal);
            Assert.Equal(RejectReasons.MalformedJson, c.RejectReason);
        });
        var yb = await Queries(h).YieldsAsync(broken.Id);
        Assert.Equal(set.Passages, yb.RejectedByReason[RejectReasons.MalformedJson]);

        // The same items again buy nothing: both answers come from the store.
        var again = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { documentSetId = set.DocumentSetId, pairsPerPassage = 2, samplingSalt = "b" }), "test"));
        Assert.Equal(set.Passages, again.Failed);
        Assert.Equal(0, again.Attempts);
    }

    [Fact]
    public async Task Launch_names_the_field_an_extract_spec_gets_wrong()
    {
        await using var h = await PipelineHarness.StartAsync(Clean());
        var set = await ImportDemoAsync(h);
        async Task<string> Field(object spec) => (await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(Launch(spec), "test"))).Field;
        Assert.Equal("spec.documentSetId", await Field(new { pairsPerPassage = 2 }));
        Assert.Equal("spec.documentSetId", await Field(new { documentSetId = 999 }));
        Assert.Equal("spec.documentIds", await Field(new { documentIds = new[] { 999L } }));
        Assert.Equal("spec.documentIds", await Field(new { documentSetId = set.DocumentSetId, documentIds = new[] { set.Documents[0].Id } }));
        Assert.Equal("spec.pairsPerPassage", await Field(new { documentSetId = set.DocumentSetId, pairsPerPassage = 11 }));
        Assert.Equal("spec.agreeAtLeast", await Field(new { documentSetId = set.DocumentSetId, samplesToVerify = 2, agreeAtLeast = 3 }));
        // Chosen documents work as well as a set.
        var one = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(new { documentIds = new[] { set.Documents[0].Id }, pairsPerPassage = 1 }), "test"));
        Assert.Equal(set.Documents[0].Passages, one.Total);
    }

    [Fact]
    public async Task Import_is_all_or_nothing_and_names_the_file_and_line_at_fault()
    {
        await using var h = await PipelineHarness.StartAsync(Clean());
        var importer = h.Services.GetRequiredService<DocumentImporter>();
        static DocumentUpload File(string name, byte[] bytes) => new(name, new MemoryStream(bytes));
        var good = File("good.md", Encoding.UTF8.GetBytes("# Good\n\nA fine paragraph."));

        var badUtf8 = Encoding.UTF8.GetBytes("line one\nline two\nline ").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\n")).ToArray();
        var e1 = await Assert.ThrowsAsync<DocumentImportException>(() => importer.ImportAsync("set", [good, File("notes.txt", badUtf8)], new ChunkingOptions(), "test"));
        Assert.Equal(("notes.txt", 3), (e1.File, e1.Line));
        Assert.StartsWith("notes.txt, line 3: not valid UTF-8", e1.Message, StringComparison.Ordinal);

        var e2 = await Assert.ThrowsAsync<DocumentImportException>(() => importer.ImportAsync("set", [File("report.pdf", [1, 2, 3])], new ChunkingOptions(), "test"));
        Assert.Equal("report.pdf", e2.File);
        Assert.Contains(".txt", e2.Message, StringComparison.Ordinal);

        var e3 = await Assert.ThrowsAsync<DocumentImportException>(() => importer.ImportAsync("set",
            [File("empty.html", Encoding.UTF8.GetBytes("<html><script>var a = 1;</script><style>p{}</style></html>"))], new ChunkingOptions(), "test"));
        Assert.Equal("empty.html: no visible text once scripts, styles and tags are removed.", e3.Message);

        var e4 = await Assert.ThrowsAsync<DocumentImportException>(() => importer.ImportAsync("set", [File("a.txt", "x"u8.ToArray())], new ChunkingOptions(50, 0), "test"));
        Assert.Equal("maxPassageChars", e4.Field);

        await using (var db = await h.Db.CreateDbContextAsync())
        {
            Assert.Equal(0, await db.DocumentSets.CountAsync());
            Assert.Equal(0, await db.Documents.CountAsync());
            Assert.Equal(0, await db.Passages.CountAsync());
        }
        await importer.ImportAsync("set", [File("good.md", Encoding.UTF8.GetBytes("# Good\n\nA fine paragraph."))], new ChunkingOptions(), "test");
        var e5 = await Assert.ThrowsAsync<DocumentImportException>(() => importer.ImportAsync("set", [File("b.txt", "y"u8.ToArray())], new ChunkingOptions(), "test"));
        Assert.Equal("name", e5.Field);
        await using var db2 = await h.Db.CreateDbContextAsync();
        Assert.Equal(1, await db2.Documents.CountAsync());
        Assert.Equal(1, await db2.Passages.CountAsync());
    }
}
