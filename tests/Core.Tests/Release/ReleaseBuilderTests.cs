using DeepFinance.Core.Curation;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Release;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.Core.Verification;
using DeepFinance.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Release;

/// <summary>Cutting releases on a real SQLite file: what is frozen, what is left out and why, PII blocking, immutability, changelog.</summary>
public sealed class ReleaseBuilderTests : IAsyncLifetime
{
    private const string Operator = "olga@bank.example";
    private PipelineHarness _h = null!;
    private ReleaseFixture _data = null!;

    private ReleaseBuilder Builder => _h.Services.GetRequiredService<ReleaseBuilder>();
    private ReleasePiiReview Pii => _h.Services.GetRequiredService<ReleasePiiReview>();
    private ReleaseQueries Queries => _h.Services.GetRequiredService<ReleaseQueries>();

    public async Task InitializeAsync()
    {
        _h = await PipelineHarness.StartAsync();
        _data = new ReleaseFixture(_h.Db);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private Task<DeepFinance.Core.Data.Release> CutAsync(string version, ReleaseSelection? selection = null, string? notes = null) =>
        Builder.CutAsync(new ReleaseRequest(version, "Demo " + version, notes, selection ?? new ReleaseSelection()), Operator);

    private async Task<List<ReleaseItem>> ItemsAsync(long releaseId)
    {
        await using var db = await _h.Db.CreateDbContextAsync();
        return await db.ReleaseItems.Where(i => i.ReleaseId == releaseId).OrderBy(i => i.TraceId).ToListAsync();
    }

    private async Task<List<ReleaseExclusion>> ExclusionsAsync(long releaseId)
    {
        await using var db = await _h.Db.CreateDbContextAsync();
        return await db.ReleaseExclusions.Where(e => e.ReleaseId == releaseId).ToListAsync();
    }

    [Fact]
    public async Task A_release_of_demo_data_freezes_verified_answers_and_accepted_rewrites_and_records_every_left_out_trace_with_its_reason()
    {
        var demo = await _data.DemoAsync();

        var release = await CutAsync("1.0.0");

        Assert.Equal(ReleaseStatus.Ready, release.Status);
        var items = await ItemsAsync(release.Id);
        Assert.Equal(demo.ExpectedTraces.Order(), items.Select(i => i.TraceId));
        var rewrite = Assert.Single(items, i => i.Kind == ReleaseItemKind.AcceptedRewrite);
        Assert.Equal(demo.Accepted.ReviewId, rewrite.ReviewId);
        Assert.Equal(demo.Accepted.OriginalTraceId, rewrite.OriginalTraceId);

        var left = (await ExclusionsAsync(release.Id)).ToLookup(e => e.ReasonCode, e => e.TraceId);
        Assert.Equal([demo.InterestAgainCorrect], left[ExclusionReasons.Duplicate]);
        Assert.Equal([demo.ContaminatedCorrect], left[ExclusionReasons.Contaminated]);
        Assert.Equal([demo.DisputedCorrect], left["reference-disputed"]);
        Assert.Equal([demo.Rejected.RewriteTraceId], left["rejected-review"]);
        Assert.Equal(new long?[] { demo.InterestWrong, demo.Accepted.OriginalTraceId, demo.Rejected.OriginalTraceId }.Order(), left["unverified"].Order());
        var duplicate = (await ExclusionsAsync(release.Id)).Single(e => e.ReasonCode == ExclusionReasons.Duplicate);
        Assert.Contains($"question {demo.Interest}", duplicate.Detail, StringComparison.Ordinal);
        Assert.Contains("benchmark item", (await ExclusionsAsync(release.Id)).Single(e => e.ReasonCode == ExclusionReasons.Contaminated).Detail, StringComparison.Ordinal);

        var detail = (await Queries.GetAsync(release.Id))!;
        Assert.Equal(6, detail.Summary.TraceCount);
        Assert.Equal(5, detail.Summary.QuestionCount);
        Assert.Equal(1, detail.Summary.PairCount);
        Assert.Equal(7, detail.Summary.ExcludedCount);
        Assert.Equal(4, detail.Stats.ByTaskType["Math"]);
        Assert.Equal(1, detail.Stats.ByTaskType["KnowledgeQa"]);
        Assert.Equal(1, detail.Stats.ByTaskType["ComplianceSecurity"]);
        Assert.Equal(5, detail.Stats.ByKind["Verified"]);
        Assert.Equal(1, detail.Stats.ByKind["AcceptedRewrite"]);
        Assert.Equal(2, detail.Stats.ByLanguage["zh"]);
        Assert.Equal(4, detail.Stats.ByLanguage["en"]);
        Assert.Equal(3, detail.Stats.ByDifficulty["Hard"]);
        Assert.Equal(1, detail.Stats.ExcludedByReason[ExclusionReasons.Duplicate]);
        Assert.Null(detail.ExportRefusal);
        Assert.True(detail.Summary.Exportable);
        Assert.Contains("First release.", detail.Changelog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cut_off_or_looping_trace_is_left_out_with_reason_quality_and_the_screen_can_be_switched_off()
    {
        var run = await _data.RunAsync();
        var good = await _data.TraceAsync(run, await _data.QuestionAsync("What is 6 times 7?"));
        var loopQ = await _data.QuestionAsync("What is 5 times 8?", reference: "40");
        const string sentence = "Five times eight is forty, and we check it again. ";
        var looping = await _data.TraceAsync(run, loopQ, reasoning: string.Concat(Enumerable.Repeat(sentence, 8)), answer: "40");
        var cutQ = await _data.QuestionAsync("What is 9 times 9?", reference: "81");
        var cut = await _data.TraceAsync(run, cutQ, answer: "81");
        await using (var db = await _h.Db.CreateDbContextAsync())
        {
            // The endpoint said it stopped at its token limit: the answer may be right by luck, the reasoning is unfinished.
            var hash = (await db.Traces.SingleAsync(t => t.Id == cut)).RequestHash!;
            db.LlmResponses.Add(new LlmResponse
            {
                RequestHash = hash, SynthesizerName = "simulator", Model = "simulator", Content = "81", ReasoningFormat = "none", FinishReason = "length",
                CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        var screened = await CutAsync("screened");

        Assert.Equal([good], (await ItemsAsync(screened.Id)).Select(i => i.TraceId));
        var left = (await ExclusionsAsync(screened.Id)).Where(e => e.ReasonCode == ExclusionReasons.Quality).ToDictionary(e => e.TraceId!.Value, e => e.Detail);
        Assert.Equal(new[] { looping, cut }.Order(), left.Keys.Order());
        Assert.Contains(QualityCodes.RepetitionLoop, left[looping], StringComparison.Ordinal);
        Assert.Contains(QualityCodes.Truncated, left[cut], StringComparison.Ordinal);

        var unscreened = await CutAsync("unscreened", new ReleaseSelection { Quality = false });
        Assert.Equal(new[] { good, looping, cut }.Order(), (await ItemsAsync(unscreened.Id)).Select(i => i.TraceId));
    }

    [Fact]
    public async Task Selection_filters_narrow_the_release_withheld_categories_are_recorded_and_dedup_off_keeps_duplicates()
    {
        var demo = await _data.DemoAsync();
        var otherRun = await _data.RunAsync();
        var elsewhere = await _data.TraceAsync(otherRun, demo.Deposit, reasoning: "吸收存款时，储户把资金交给银行，银行承担到期还本付息的义务，所以存款记在负债一方。", answer: "B");

        var math = await CutAsync("math-hard", new ReleaseSelection { TaskTypes = [TaskType.Math], Difficulties = [Difficulty.Hard], Dedup = false });
        Assert.Equal(new[] { demo.InterestCorrectA, demo.InterestCorrectB, demo.InterestAgainCorrect, demo.Accepted.RewriteTraceId }.Order(),
            (await ItemsAsync(math.Id)).Select(i => i.TraceId));
        Assert.DoesNotContain(await ExclusionsAsync(math.Id), e => e.ReasonCode == ExclusionReasons.Duplicate);

        var withheld = await CutAsync("no-compliance", new ReleaseSelection { Withheld = [TaskType.ComplianceSecurity], MinPassRate = 0.6 });
        Assert.Equal(new[] { demo.InterestCorrectA, demo.InterestCorrectB, demo.DepositCorrect, elsewhere }.Order(),
            (await ItemsAsync(withheld.Id)).Select(i => i.TraceId));
        Assert.Equal(demo.ComplianceCorrect, Assert.Single(await ExclusionsAsync(withheld.Id), e => e.ReasonCode == ExclusionReasons.Withheld).TraceId);

        var oneRun = await CutAsync("one-run", new ReleaseSelection { Runs = [otherRun] });
        Assert.Equal([elsewhere], (await ItemsAsync(oneRun.Id)).Select(i => i.TraceId));

        var bad = await Assert.ThrowsAsync<ReleaseValidationException>(() => CutAsync("bad-rate", new ReleaseSelection { MinPassRate = 1.5 }));
        Assert.Equal("selection.minPassRate", bad.Field);
        var missing = await Assert.ThrowsAsync<ReleaseValidationException>(() => CutAsync("bad-run", new ReleaseSelection { Runs = [999_999] }));
        Assert.Equal("selection.runs", missing.Field);
        Assert.Contains("999999", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_planted_phone_number_and_resident_id_block_the_release_until_one_is_fixed_and_the_other_waived_with_an_audited_reason()
    {
        var run = await _data.RunAsync();
        var clean = await _data.TraceAsync(run, await _data.QuestionAsync("What is 6 times 7?"));
        var q = await _data.QuestionAsync("某客户咨询个人贷款月供如何计算？", TaskType.KnowledgeQa, language: "zh-CN");
        const string planted = "客户手机 13912345678，身份证号 11010519491231002X。先确定贷款本金、月利率和还款期数，月供按等额本息公式计算。";
        var leaky = await _data.TraceAsync(run, q, reasoning: planted, answer: "按等额本息公式");

        var release = await CutAsync("2.0.0");

        Assert.Equal(ReleaseStatus.Blocked, release.Status);
        Assert.False(ReleaseRules.CanExport(release));
        var (total, hits) = await Queries.PiiHitsAsync(release.Id, PiiHitStatus.Open, 1, 50);
        Assert.Equal(2, total);
        Assert.All(hits, h => Assert.Equal(leaky, h.TraceId));
        var phone = Assert.Single(hits, h => h.EntityType == "phone");
        var id = Assert.Single(hits, h => h.EntityType == "cn_id");
        Assert.DoesNotContain("13912345678", phone.Context, StringComparison.Ordinal);
        Assert.Contains("客户手机", phone.Context, StringComparison.Ordinal);
        Assert.Equal([clean, leaky], (await ItemsAsync(release.Id)).Select(i => i.TraceId));
        Assert.NotNull((await Queries.GetAsync(release.Id))!.ExportRefusal);

        var fixedPhone = await Pii.FixAsync(release.Id, phone.Id, Operator);
        Assert.Equal(ReleaseStatus.Blocked, fixedPhone.ReleaseStatus);
        Assert.Equal(1, fixedPhone.OpenHits);
        var text = (await Queries.ItemTextAsync(release.Id, leaky))!.Value;
        Assert.DoesNotContain("13912345678", text.Reasoning, StringComparison.Ordinal);
        Assert.Contains("11010519491231002X", text.Reasoning, StringComparison.Ordinal);
        Assert.EndsWith("月供按等额本息公式计算。", text.Reasoning, StringComparison.Ordinal);

        var noReason = await Assert.ThrowsAsync<ReleaseValidationException>(() => Pii.WaiveAsync(release.Id, id.Id, "  ", Operator));
        Assert.Equal("reason", noReason.Field);
        var waived = await Pii.WaiveAsync(release.Id, id.Id, "A published specimen number, not a person's.", Operator);
        Assert.Equal(ReleaseStatus.Ready, waived.ReleaseStatus);
        Assert.True((await Queries.GetAsync(release.Id))!.Summary.Exportable);

        // The source trace is untouched: the fix lives in the release's own copy.
        await using var db = await _h.Db.CreateDbContextAsync();
        Assert.Equal(planted, (await db.Traces.SingleAsync(t => t.Id == leaky)).Reasoning);
        var audit = await db.AuditEntries.Where(a => a.Subject == $"release:{release.Id}").ToListAsync();
        Assert.Contains(audit, a => a.Action == "release.pii-fixed" && a.Actor == Operator);
        var waiver = Assert.Single(audit, a => a.Action == "release.pii-waived");
        Assert.Contains("specimen", waiver.After, StringComparison.Ordinal);
        Assert.All(audit, a => Assert.DoesNotContain("13912345678", a.After ?? "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fixing_every_hit_unblocks_the_release_and_offsets_of_later_hits_follow_the_replacement()
    {
        var run = await _data.RunAsync();
        var q = await _data.QuestionAsync("Call 13912345678 about the loan; what is the monthly payment?");
        var leaky = await _data.TraceAsync(run, q, reasoning: "Phone 13812345678 then ID 11010519491231002X; take the principal, the monthly rate and the number of months, and the annuity formula.");
        var release = await CutAsync("3.0.0");
        var (_, hits) = await Queries.PiiHitsAsync(release.Id, null, 1, 50);
        Assert.Equal(3, hits.Count);
        Assert.Single(hits, h => h.Field == "question" && h.TraceId == null);

        PiiResolution? last = null;
        foreach (var hit in hits)
        {
            last = await Pii.FixAsync(release.Id, hit.Id, Operator);
        }
        Assert.Equal(ReleaseStatus.Ready, last!.ReleaseStatus);
        var text = (await Queries.ItemTextAsync(release.Id, leaky))!.Value;
        Assert.DoesNotContain("1381234", text.Reasoning, StringComparison.Ordinal);
        Assert.DoesNotContain("110105", text.Reasoning, StringComparison.Ordinal);
        Assert.EndsWith(", and the annuity formula.", text.Reasoning, StringComparison.Ordinal);
        Assert.StartsWith("Phone ", text.Reasoning, StringComparison.Ordinal);
        Assert.DoesNotContain("13912345678", text.Question, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_exclude_policy_an_item_with_personal_data_is_left_out_with_reason_pii_and_nothing_blocks()
    {
        var run = await _data.RunAsync();
        var q = await _data.QuestionAsync("What is the monthly payment on a 1,000,000 mortgage?");
        var leaky = await _data.TraceAsync(run, q, reasoning: "The client on 13912345678 asked; take the principal, the monthly rate and the number of months, then use the annuity formula.");
        var clean = await _data.TraceAsync(run, q, reasoning: "Take the principal, the monthly rate and the number of months, then use the annuity formula to get the payment.");

        var release = await CutAsync("pii-out", new ReleaseSelection { Pii = PiiPolicy.Exclude });

        Assert.Equal(ReleaseStatus.Ready, release.Status);
        Assert.Equal([clean], (await ItemsAsync(release.Id)).Select(i => i.TraceId));
        var excluded = Assert.Single(await ExclusionsAsync(release.Id));
        Assert.Equal((ExclusionReasons.Pii, leaky), (excluded.ReasonCode, excluded.TraceId!.Value));
        Assert.Contains("phone", excluded.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ready_release_is_immutable_new_data_does_not_change_it_and_its_version_cannot_be_reused()
    {
        var run = await _data.RunAsync();
        var q = await _data.QuestionAsync("What is 6 times 7?");
        var first = await _data.TraceAsync(run, q);
        var leakyRelease = await CutAsync("4.0.0-rc", notes: null);
        Assert.Equal(ReleaseStatus.Ready, leakyRelease.Status);

        await _data.TraceAsync(run, await _data.QuestionAsync("What is 5 times 8?"), answer: "40");
        Assert.Equal([first], (await ItemsAsync(leakyRelease.Id)).Select(i => i.TraceId));

        var again = await Assert.ThrowsAsync<ReleaseValidationException>(() => CutAsync("4.0.0-rc"));
        Assert.Equal("version", again.Field);
        var badVersion = await Assert.ThrowsAsync<ReleaseValidationException>(() => CutAsync("has space"));
        Assert.Equal("version", badVersion.Field);

        // A hit on a release that went Ready by waivers cannot be reopened or changed.
        var leaky = await _data.TraceAsync(run, q, reasoning: "Ring 13912345678 for the answer: six times seven is forty-two, so the product asked for in the question is 42.");
        var blocked = await CutAsync("4.0.0");
        var hit = Assert.Single((await Queries.PiiHitsAsync(blocked.Id, null, 1, 10)).Items);
        await Pii.WaiveAsync(blocked.Id, hit.Id, "Test line.", Operator);
        var refused = await Assert.ThrowsAsync<ReleaseConflictException>(() => Pii.FixAsync(blocked.Id, hit.Id, Operator));
        Assert.Contains("immutable", refused.Message, StringComparison.Ordinal);
        var text = (await Queries.ItemTextAsync(blocked.Id, leaky))!.Value;
        Assert.Contains("13912345678", text.Reasoning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_changelog_counts_what_was_added_and_removed_against_the_previous_release()
    {
        var run = await _data.RunAsync();
        var keep = await _data.TraceAsync(run, await _data.QuestionAsync("What is 6 times 7?"));
        var dropQ = await _data.QuestionAsync("What is 2 plus 2?", reference: "4");
        var drop = await _data.TraceAsync(run, dropQ, answer: "4");
        var first = await CutAsync("1.0.0", notes: "First cut.");
        Assert.StartsWith("First cut.", first.Changelog, StringComparison.Ordinal);

        await using (var db = await _h.Db.CreateDbContextAsync())
        {
            await db.Questions.Where(q => q.Id == dropQ).ExecuteUpdateAsync(s => s.SetProperty(q => q.ReferenceDisputedAt, DateTimeOffset.UtcNow));
        }
        var added = await _data.TraceAsync(run, await _data.QuestionAsync("What is 9 times 9?"), answer: "81");
        var addedToo = await _data.TraceAsync(run, await _data.QuestionAsync("What is 3 times 3?"), answer: "9");

        var second = await CutAsync("1.1.0");

        Assert.Equal(first.Id, second.PreviousReleaseId);
        Assert.Equal([keep, added, addedToo], (await ItemsAsync(second.Id)).Select(i => i.TraceId));
        var changes = (await Queries.GetAsync(second.Id))!.Stats.Changes!;
        Assert.Equal(("1.0.0", 2, 1, 2, 1), (changes.PreviousVersion, changes.AddedTraces, changes.RemovedTraces, changes.AddedQuestions, changes.RemovedQuestions));
        Assert.Contains("Against 1.0.0: 2 traces added, 1 removed", second.Changelog, StringComparison.Ordinal);
        Assert.Equal(drop, Assert.Single(await ExclusionsAsync(second.Id)).TraceId);
    }

    [Fact]
    public async Task A_release_larger_than_one_batch_is_frozen_whole_with_duplicates_found_across_batches()
    {
        var run = await _data.RunAsync();
        var traces = await _data.ManyAsync(run, ReleaseBuilder.BatchSize * 2 + 37);
        // The same questions again, later: each is a duplicate of one in an earlier batch.
        var copies = await _data.ManyAsync(run, 40);

        var release = await CutAsync("big");

        Assert.Equal(traces.Count, release.TraceCount);
        Assert.Equal(traces, (await ItemsAsync(release.Id)).Select(i => i.TraceId));
        Assert.Equal(copies.Order(), (await ExclusionsAsync(release.Id)).Where(e => e.ReasonCode == ExclusionReasons.Duplicate).Select(e => e.TraceId!.Value).Order());
        var (total, page) = await Queries.ItemsAsync(release.Id, new ReleaseItemFilter(Page: 6, PageSize: 200));
        Assert.Equal(traces.Count, total);
        Assert.Equal(37, page.Count);
        Assert.Equal(1, (await _h.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditFilter(Action: "release.cut"))).Total);
    }
}
