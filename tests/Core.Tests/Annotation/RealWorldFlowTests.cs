using System.Text;
using DeepFinance.Core.Annotation;
using DeepFinance.Core.Data;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Review;
using DeepFinance.Core.Tests.Review;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static DeepFinance.Core.Tests.Annotation.AnnotationHarness;

namespace DeepFinance.Core.Tests.Annotation;

/// <summary>Import, check, annotation, adjudication, erasure and retention of real-world queries, on a real SQLite file.</summary>
public sealed class RealWorldFlowTests : IAsyncLifetime
{
    private const string Phone = "13812345678";
    private const string Raw1 = "我叫张伟，手机号" + Phone + "，想问一下三年期定期存款利率3.5%到期利息怎么算？";
    private const string Raw2 = "客户李娜问：基金代码110022的申购费率是多少？";
    private readonly FixedExperts _experts = new(Ana, Bo, Cy);
    private readonly MovableTime _time = new();
    private PipelineHarness _h = null!;

    private RealWorldImporter Importer => _h.Services.GetRequiredService<RealWorldImporter>();
    private AnnotationWorkbench Bench => _h.Services.GetRequiredService<AnnotationWorkbench>();

    public async Task InitializeAsync() => _h = await StartAsync(_experts, _time,
        new Dictionary<string, string?> { ["DeepFinance:RealWorld:RetentionDays"] = "30", ["DeepFinance:RealWorld:ExpertsPerQuery"] = "2" });

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static string Jsonl(params string[] texts) =>
        string.Join("\n", texts.Select(t => System.Text.Json.JsonSerializer.Serialize(new { text = t, channel = "app", date = "2026-03-01", product = "定期存款" })));

    private async Task<RealWorldImportResult> ImportAsync(params string[] texts)
    {
        var result = await Importer.ImportAsync(File(Jsonl(texts)), "march.jsonl", "March app queries", Admin.Name);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result;
    }

    [Fact]
    public async Task Import_stores_only_desensitized_text_in_the_clear_keeps_raw_text_apart_and_shares_each_query_among_two_experts()
    {
        var result = await ImportAsync(Raw1, Raw2, "贷款提前还款要付违约金吗？");
        Assert.Equal(3, result.QueryCount);
        Assert.Equal(6, result.Assignments);

        await using var db = await _h.Db.CreateDbContextAsync();
        var first = await db.RealWorldQueries.OrderBy(q => q.Id).FirstAsync();
        Assert.DoesNotContain(Phone, first.DesensitizedText, StringComparison.Ordinal);
        Assert.DoesNotContain("张伟", first.DesensitizedText, StringComparison.Ordinal);
        Assert.Contains("3.5%", first.DesensitizedText, StringComparison.Ordinal);
        Assert.DoesNotContain(Phone, first.EntitiesJson, StringComparison.Ordinal);
        Assert.Equal(RealWorldQueryStatus.AwaitingCheck, first.Status);
        Assert.Equal(Raw1, new MarkedProtector().Unprotect(first.RawProtected!));
        Assert.Equal(_time.Now.AddDays(30), (await db.RealWorldImports.SingleAsync()).RawRetainedUntil, TimeSpan.FromMilliseconds(1));
        // Work spreads evenly: three experts, six assignments, two each.
        var load = await db.ExpertAssignments.GroupBy(a => a.Expert).Select(g => g.Count()).ToListAsync();
        Assert.Equal([2, 2, 2], load);
    }

    [Fact]
    public async Task A_file_with_bad_lines_stores_nothing_and_names_each_line_and_field()
    {
        var jsonl = "{\"text\":\"ok\"}\n{\"text\":\"\"}\nnot json\n{\"text\":\"x\",\"date\":\"31/31/2026\"}";
        var result = await Importer.ImportAsync(File(jsonl), "bad.jsonl", "bad", Admin.Name);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Line == 2 && e.Field == "text");
        Assert.Contains(result.Errors, e => e.Line == 3 && e.Message.Contains("JSON", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Line == 4 && e.Field == "date");

        var csv = "text,channel\n\"ok, fine\",app\nonly-one-column\n";
        var csvResult = await Importer.ImportAsync(File(csv), "bad.csv", "bad csv", Admin.Name);
        Assert.Contains(csvResult.Errors, e => e.Line == 3 && e.Message.Contains("columns", StringComparison.Ordinal));
        await using var db = await _h.Db.CreateDbContextAsync();
        Assert.Equal(0, await db.RealWorldQueries.CountAsync());
        Assert.Equal(0, await db.RealWorldImports.CountAsync());
    }

    [Fact]
    public async Task A_good_csv_file_imports_with_quoted_commas_and_optional_fields()
    {
        var csv = "text,channel,date,product\n\"利率多少, 三年期?\",branch,2026-02-01,\n第二个问题,,,\n";
        var result = await Importer.ImportAsync(File(csv), "q.csv", "csv", Admin.Name);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        await using var db = await _h.Db.CreateDbContextAsync();
        var rows = await db.RealWorldQueries.OrderBy(q => q.LineNumber).ToListAsync();
        Assert.Equal(["利率多少, 三年期?", "第二个问题"], rows.Select(r => r.DesensitizedText));
        Assert.Equal([2, 3], rows.Select(r => r.LineNumber));
        Assert.Equal(new DateOnly(2026, 2, 1), rows[0].AskedOn);
        Assert.Null(rows[1].Channel);
    }

    [Fact]
    public async Task Raw_text_is_refused_to_roles_other_than_admin_and_expert_and_every_view_is_audited()
    {
        await ImportAsync(Raw1);
        var id = await FirstIdAsync();
        await Assert.ThrowsAsync<RealWorldForbiddenException>(() => Bench.ReadRawAsync(id, Operator));
        Assert.Equal(Raw1, await Bench.ReadRawAsync(id, AnaExpert));
        await using var db = await _h.Db.CreateDbContextAsync();
        var views = await db.AuditEntries.Where(e => e.Action == "realworld.raw-viewed").ToListAsync();
        Assert.Equal(Ana, Assert.Single(views).Actor);
        Assert.DoesNotContain(Phone, views[0].After ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_check_refuses_a_corrected_text_that_still_holds_personal_data_and_applies_an_added_span()
    {
        await ImportAsync("请把余额转到我的账户，联系人王经理，邮箱 wang.li@bank-mail.cn，谢谢");
        var id = await FirstIdAsync();
        var detail = (await Bench.GetAsync(id))!;

        // A hand-corrected text with a phone number typed back in is refused, naming what survives.
        var refused = await Assert.ThrowsAsync<RealWorldValidationException>(() =>
            Bench.CheckAsync(id, AnaExpert, new CheckRequest(detail.Version, Text: detail.DesensitizedText + " 回电 13998765432")));
        Assert.Equal("text", refused.Field);
        Assert.Contains("phone", refused.Message, StringComparison.Ordinal);

        // An expert marks a missed span ("转到我的账户" is not personal, but say the branch name were): it is replaced too.
        var raw = (await Bench.ReadRawAsync(id, AnaExpert))!;
        var spans = detail.Entities.Select(e => new SpanEdit(e.Type, e.Start, e.End)).ToList();
        var missed = raw.IndexOf("转到", StringComparison.Ordinal);
        spans.Add(new SpanEdit(Core.Privacy.Desensitization.EntityTypes.AccountNumber, missed, missed + 2));
        var outcome = await Bench.CheckAsync(id, AnaExpert, new CheckRequest(detail.Version, Spans: spans));
        Assert.Equal(RealWorldQueryStatus.Checked, outcome.Status);
        var after = (await Bench.GetAsync(id))!;
        Assert.DoesNotContain("转到", after.DesensitizedText, StringComparison.Ordinal);
        Assert.DoesNotContain("wang.li", after.DesensitizedText, StringComparison.Ordinal);
        Assert.Equal(Ana, after.CheckedBy);

        // A second check of the same version is stale.
        await Assert.ThrowsAsync<RealWorldConflictException>(() => Bench.CheckAsync(id, BoExpert, new CheckRequest(detail.Version)));
    }

    [Fact]
    public async Task An_unassigned_expert_can_neither_check_nor_annotate()
    {
        _experts.Experts.Remove(Cy);
        await ImportAsync(Raw2);
        var id = await FirstIdAsync();
        var cy = new Actor(Cy, false, true);
        await Assert.ThrowsAsync<RealWorldForbiddenException>(() => Bench.CheckAsync(id, cy, new CheckRequest(1)));
        await Bench.CheckAsync(id, AnaExpert, new CheckRequest(1));
        await Assert.ThrowsAsync<RealWorldForbiddenException>(() => Bench.AnnotateAsync(id, cy, Usable(2, TaskType.KnowledgeQa, Difficulty.Simple)));
    }

    [Fact]
    public async Task Two_agreeing_experts_approve_a_query_into_a_realworld_question_that_the_privacy_gate_keeps_from_external_endpoints()
    {
        _experts.Experts.Remove(Cy);
        await ImportAsync(Raw1);
        var id = await FirstIdAsync();
        await Assert.ThrowsAsync<RealWorldConflictException>(() => Bench.AnnotateAsync(id, AnaExpert, Usable(1, TaskType.Math, Difficulty.Medium)));
        var checkedOutcome = await Bench.CheckAsync(id, AnaExpert, new CheckRequest(1));

        var first = await Bench.AnnotateAsync(id, AnaExpert, Usable(checkedOutcome.Version, TaskType.Math, Difficulty.Medium, "calculation") with { ReferenceAnswer = "answer by " + Ana });
        Assert.Equal(RealWorldQueryStatus.Annotated, first.Status);
        await Assert.ThrowsAsync<RealWorldConflictException>(() => Bench.AnnotateAsync(id, AnaExpert, Usable(first.Version, TaskType.Math, Difficulty.Medium)));
        var second = await Bench.AnnotateAsync(id, BoExpert, Usable(first.Version, TaskType.Math, Difficulty.Medium, "calculation", "terminology") with { ReferenceAnswer = "answer by " + Bo });
        Assert.Equal(RealWorldQueryStatus.Approved, second.Status);

        await using var db = await _h.Db.CreateDbContextAsync();
        var question = await db.Questions.SingleAsync(q => q.Id == second.QuestionId);
        Assert.Equal(QuestionOrigin.RealWorld, question.Origin);
        Assert.DoesNotContain(Phone, question.Text, StringComparison.Ordinal);
        Assert.Equal(TaskType.Math, question.TaskType);
        Assert.Equal(DifficultySource.Expert, question.DifficultySource);
        Assert.Equal("answer by " + Ana, question.ReferenceAnswer);
        Assert.Equal(second.QuestionId, (await db.RealWorldQueries.SingleAsync(q => q.Id == id)).QuestionId);
        Assert.Equal(RequestProvenance.RawDerived, await _h.Services.GetRequiredService<QuestionProvenance>().OfAsync(question.Id));
        Assert.All(await db.Annotations.Where(a => a.QueryId == id).ToListAsync(), a => Assert.Equal(1, a.GuidelineVersion));
    }

    [Fact]
    public async Task Experts_who_disagree_send_the_query_to_an_admin_whose_adjudication_is_final_and_agreement_counts_it()
    {
        _experts.Experts.Remove(Cy);
        await ImportAsync(Raw2, "提前还款违约金怎么算？");
        var ids = await AllIdsAsync();
        foreach (var id in ids)
        {
            await Bench.CheckAsync(id, AnaExpert, new CheckRequest(1));
        }
        // Query 1: they agree. Query 2: different task type.
        await Bench.AnnotateAsync(ids[0], AnaExpert, Usable(2, TaskType.KnowledgeQa, Difficulty.Simple));
        await Bench.AnnotateAsync(ids[0], BoExpert, Usable(3, TaskType.KnowledgeQa, Difficulty.Simple));
        await Bench.AnnotateAsync(ids[1], AnaExpert, Usable(2, TaskType.Math, Difficulty.Hard));
        var split = await Bench.AnnotateAsync(ids[1], BoExpert, Usable(3, TaskType.KnowledgeQa, Difficulty.Simple));
        Assert.Equal(RealWorldQueryStatus.Adjudicating, split.Status);
        Assert.Null(split.QuestionId);

        var report = await _h.Services.GetRequiredService<AgreementQueries>().ReportAsync();
        Assert.Equal(2, report.ItemsWithSeveralRaters);
        Assert.Equal(1, report.Disagreements);
        Assert.Equal([ids[1]], report.Adjudicating);
        Assert.Equal(0.5, report.Fields.Single(f => f.Field == "taskType").PercentAgreement);
        Assert.Equal(0.5, Assert.Single(report.Pairs).PercentAgreement);

        await Assert.ThrowsAsync<RealWorldForbiddenException>(() => Bench.AdjudicateAsync(ids[1], AnaExpert, Usable(4, TaskType.Math, Difficulty.Hard)));
        var final = await Bench.AdjudicateAsync(ids[1], Admin, Usable(4, TaskType.Math, Difficulty.Hard));
        Assert.Equal(RealWorldQueryStatus.Approved, final.Status);
        await using var db = await _h.Db.CreateDbContextAsync();
        Assert.Equal(TaskType.Math, (await db.Questions.SingleAsync(q => q.Id == final.QuestionId)).TaskType);
        // The adjudication is not a rating: agreement is the same after it.
        Assert.Equal(1, (await _h.Services.GetRequiredService<AgreementQueries>().ReportAsync()).Disagreements);
    }

    [Fact]
    public async Task An_annotation_names_its_missing_field_and_an_unknown_tag()
    {
        await ImportAsync(Raw2);
        var id = await FirstIdAsync();
        await Bench.CheckAsync(id, AnaExpert, new CheckRequest(1));
        var noType = await Assert.ThrowsAsync<RealWorldValidationException>(() =>
            Bench.AnnotateAsync(id, AnaExpert, new AnnotationRequest(2, null, Difficulty.Simple, [], "a")));
        Assert.Equal("taskType", noType.Field);
        var badTag = await Assert.ThrowsAsync<RealWorldValidationException>(() => Bench.AnnotateAsync(id, AnaExpert, Usable(2, TaskType.Nlp, Difficulty.Simple, "astrology")));
        Assert.Equal("tags", badTag.Field);
        var noReason = await Assert.ThrowsAsync<RealWorldValidationException>(() =>
            Bench.AnnotateAsync(id, AnaExpert, new AnnotationRequest(2, null, null, [], null, Usable: false)));
        Assert.Equal("unusableReason", noReason.Field);
    }

    [Fact]
    public async Task After_erasure_the_raw_text_is_gone_from_the_database_file_bytes_and_the_question_keeps_only_desensitized_text()
    {
        await ImportAsync(Raw1, Raw2);
        var ids = await AllIdsAsync();
        string stored;
        await using (var db = await _h.Db.CreateDbContextAsync())
        {
            stored = (await db.RealWorldQueries.SingleAsync(q => q.Id == ids[0])).RawProtected!;
        }
        var file = Path.Combine(_h.Directory, "deepfinance.db");
        await CheckpointAndVacuumAsync();
        Assert.True(Contains(file, stored), "before erasure the stored raw text should be in the file (else the scan proves nothing)");

        await Assert.ThrowsAsync<RealWorldForbiddenException>(() => _h.Services.GetRequiredService<RawTextErasure>().EraseQueryAsync(ids[0], AnaExpert, "request"));
        Assert.Equal(1, await _h.Services.GetRequiredService<RawTextErasure>().EraseQueryAsync(ids[0], Admin, "customer asked"));
        await CheckpointAndVacuumAsync();

        Assert.False(Contains(file, stored), "the erased raw text is still in the database file");
        Assert.False(Contains(file + "-wal", stored), "the erased raw text is still in the write-ahead log");
        Assert.False(Contains(file, Raw1), "the raw text in the clear is in the database file");
        Assert.Null(await Bench.ReadRawAsync(ids[0], AnaExpert));
        Assert.False((await Bench.GetAsync(ids[1]))!.RawErased);
        await using var after = await _h.Db.CreateDbContextAsync();
        Assert.Contains(await after.AuditEntries.Select(e => e.Action).ToListAsync(), a => a == "realworld.raw-erased");
    }

    [Fact]
    public async Task Retention_erases_raw_text_only_once_the_period_has_run_out()
    {
        await ImportAsync(Raw1);
        var erasure = _h.Services.GetRequiredService<RawTextErasure>();
        _time.Now = _time.Now.AddDays(29);
        Assert.Equal(0, await erasure.PurgeExpiredAsync());
        _time.Now = _time.Now.AddDays(2);
        Assert.Equal(1, await erasure.PurgeExpiredAsync());
        Assert.Equal(0, await erasure.PurgeExpiredAsync());
        await using var db = await _h.Db.CreateDbContextAsync();
        var q = await db.RealWorldQueries.SingleAsync();
        Assert.Null(q.RawProtected);
        Assert.NotNull(q.RawErasedAt);
        Assert.False(string.IsNullOrEmpty(q.DesensitizedText));
    }

    private async Task CheckpointAndVacuumAsync()
    {
        await using var db = await _h.Db.CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        await db.Database.ExecuteSqlRawAsync("VACUUM;");
        await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        SqliteConnection.ClearAllPools();
    }

    private static bool Contains(string path, string text)
    {
        if (!System.IO.File.Exists(path))
        {
            return false;
        }
        var bytes = System.IO.File.ReadAllBytes(path);
        return bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
    }

    private static AnnotationRequest Usable(int version, TaskType type, Difficulty difficulty, params string[] tags) =>
        new(version, type, difficulty, tags, "answer", Notes: null);

    private async Task<long> FirstIdAsync() => (await AllIdsAsync())[0];

    private async Task<List<long>> AllIdsAsync()
    {
        await using var db = await _h.Db.CreateDbContextAsync();
        return await db.RealWorldQueries.OrderBy(q => q.Id).Select(q => q.Id).ToListAsync();
    }
}
