using DeepFinance.Core.Data;
using DeepFinance.Core.Review;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Review;

/// <summary>A clock the test moves, for reservations that expire.</summary>
public sealed class MovableTime : TimeProvider
{
    public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>The reviewer's workbench against a real SQLite file, with scr-shaped rows written as the scr kind writes them.</summary>
public sealed class ReviewWorkbenchTests : IAsyncLifetime
{
    private const string Ana = "ana@bank.example";
    private const string Bo = "bo@bank.example";
    private readonly MovableTime _time = new();
    private PipelineHarness _h = null!;

    private ReviewWorkbench Bench => _h.Services.GetRequiredService<ReviewWorkbench>();
    private ReviewQueries Queries => _h.Services.GetRequiredService<ReviewQueries>();

    public async Task InitializeAsync() => _h = await PipelineHarness.StartAsync(
        settings: new Dictionary<string, string?> { ["DeepFinance:Review:ReservationMinutes"] = "10" },
        configure: s => s.AddSingleton<TimeProvider>(_time));

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task A_reserved_item_is_refused_to_another_reviewer_naming_who_holds_it_until_when_and_frees_up_when_it_expires()
    {
        var rows = await ScrReviewData.WriteAsync(_h.Db);
        var held = await Bench.ReserveAsync(rows.ReviewId, Ana);
        Assert.Equal(_time.Now.AddMinutes(10), held.ReservedUntil);

        var refused = await Assert.ThrowsAsync<ReviewConflictException>(() => Bench.ReserveAsync(rows.ReviewId, Bo));
        Assert.Equal(ReviewConflictKind.Reserved, refused.Kind);
        Assert.Contains(Ana, refused.Message, StringComparison.Ordinal);
        Assert.Contains("until", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ReviewConflictException>(() => Bench.DecideAsync(rows.ReviewId, Bo, new ReviewDecisionRequest(ReviewDecisionKind.Accept, 1)));

        _time.Now = _time.Now.AddMinutes(11);
        Assert.Equal(Bo, (await Bench.ReserveAsync(rows.ReviewId, Bo)).ReservedBy);
        Assert.True(await Bench.ReleaseAsync(rows.ReviewId, Bo));
        Assert.Equal(Ana, (await Bench.ReserveAsync(rows.ReviewId, Ana)).ReservedBy);
    }

    [Fact]
    public async Task Two_reviewers_decide_the_same_version_exactly_one_decision_stands_and_the_other_hears_who_decided()
    {
        var rows = await ScrReviewData.WriteAsync(_h.Db);
        var first = await Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Accept, 1));
        Assert.Equal(ReviewStatus.Accepted, first.Status);

        var stale = await Assert.ThrowsAsync<ReviewConflictException>(() =>
            Bench.DecideAsync(rows.ReviewId, Bo, new ReviewDecisionRequest(ReviewDecisionKind.Reject, 1, "wrong-answer", "bad")));
        Assert.Equal(ReviewConflictKind.Stale, stale.Kind);
        Assert.Equal(Ana, stale.By);
        Assert.Contains(Ana, stale.Message, StringComparison.Ordinal);
        Assert.Contains("accept", stale.Message, StringComparison.Ordinal);

        await using var db = await _h.Db.CreateDbContextAsync();
        Assert.Equal(ReviewStatus.Accepted, (await db.Reviews.SingleAsync(r => r.Id == rows.ReviewId)).Status);
        Assert.Equal(Ana, (await db.ReviewDecisions.SingleAsync(d => d.ReviewId == rows.ReviewId)).Reviewer);
    }

    [Fact]
    public async Task Fix_and_accept_gives_the_dataset_the_edited_text_and_keeps_the_edit_as_a_diff()
    {
        var rows = await ScrReviewData.WriteAsync(_h.Db);
        await Bench.ReserveAsync(rows.ReviewId, Ana);
        _time.Now = _time.Now.AddSeconds(42);
        const string edited = "Year one earns 500, so the balance is 10500.\nYear two earns 525.\nThe total is 11025.";
        await Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Fix, 1, Text: edited));

        await using var db = await _h.Db.CreateDbContextAsync();
        var review = await db.Reviews.SingleAsync(r => r.Id == rows.ReviewId);
        Assert.Equal((ReviewStatus.Accepted, edited, 2), (review.Status, review.FinalReasoning, review.Version));
        var decision = await db.ReviewDecisions.SingleAsync(d => d.ReviewId == rows.ReviewId);
        Assert.Contains("+ Year two earns 525.", decision.EditDiff, StringComparison.Ordinal);
        Assert.StartsWith("- Year one earns 500", decision.EditDiff, StringComparison.Ordinal);
        Assert.Equal(42_000, decision.ElapsedMs);

        var candidate = Assert.Single(await _h.Services.GetRequiredService<DatasetCandidates>().ListAsync(), c => c.Kind == CandidateKind.AcceptedRewrite);
        Assert.Equal((edited, true, rows.RewriteTraceId), (candidate.Reasoning, candidate.Fixed, candidate.TraceId));
        // The history shows the reservation and the decision with who and when.
        var detail = await Queries.GetAsync(rows.ReviewId);
        Assert.Equal(["review.reserved", "review.decided"], detail!.History.Select(h => h.Action));
        Assert.All(detail.History, h => Assert.Equal(Ana, h.Actor));
    }

    [Fact]
    public async Task Bad_decisions_are_refused_naming_the_field_and_nothing_is_stored()
    {
        var rows = await ScrReviewData.WriteAsync(_h.Db);
        var noReason = await Assert.ThrowsAsync<ReviewValidationException>(() =>
            Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Reject, 1, Text: "wrong")));
        Assert.Equal("reason", noReason.Field);
        Assert.Contains("wrong-answer", noReason.Message, StringComparison.Ordinal);
        var unknownReason = await Assert.ThrowsAsync<ReviewValidationException>(() =>
            Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Reject, 1, "i-dislike-it", "wrong")));
        Assert.Equal("reason", unknownReason.Field);
        var noComment = await Assert.ThrowsAsync<ReviewValidationException>(() =>
            Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Reject, 1, "wrong-answer")));
        Assert.Equal("text", noComment.Field);
        var noEdit = await Assert.ThrowsAsync<ReviewValidationException>(() =>
            Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Fix, 1)));
        Assert.Equal("text", noEdit.Field);

        await using var db = await _h.Db.CreateDbContextAsync();
        Assert.Equal((ReviewStatus.Pending, 1), await db.Reviews.Where(r => r.Id == rows.ReviewId).Select(r => ValueTuple.Create(r.Status, r.Version)).SingleAsync());
        Assert.False(await db.ReviewDecisions.AnyAsync());

        var rejected = await Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Reject, 1, "Flawed-Reasoning", "skips a step"));
        Assert.Equal(ReviewStatus.Rejected, rejected.Status);
        Assert.Equal("flawed-reasoning", (await db.ReviewDecisions.SingleAsync()).ReasonCode);
    }

    [Fact]
    public async Task A_leak_flagged_rewrite_is_accepted_only_with_an_override_reason_and_enters_datasets_only_then()
    {
        var rows = await ScrReviewData.WriteAsync(_h.Db, leak: true, language: "zh-CN");
        var refused = await Assert.ThrowsAsync<ReviewValidationException>(() =>
            Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Accept, 1)));
        Assert.Equal("reason", refused.Field);
        Assert.DoesNotContain(await _h.Services.GetRequiredService<DatasetCandidates>().ListAsync(), c => c.Kind == CandidateKind.AcceptedRewrite);

        await Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Accept, 1, "the value is derived in full before it is named"));
        await using var db = await _h.Db.CreateDbContextAsync();
        Assert.Equal("the value is derived in full before it is named", (await db.Reviews.SingleAsync(r => r.Id == rows.ReviewId)).LeakOverrideReason);
        Assert.Single(await _h.Services.GetRequiredService<DatasetCandidates>().ListAsync(), c => c.Kind == CandidateKind.AcceptedRewrite);
        Assert.Equal(["标准答案", "11025"], (await Queries.GetAsync(rows.ReviewId))!.LeakHits);
    }

    [Fact]
    public async Task Send_back_marks_the_item_sent_back_and_launches_one_more_scr_round_on_the_rewrite()
    {
        var rows = await ScrReviewData.WriteAsync(_h.Db, synthesizer: "sim");
        var outcome = await Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.SendBack, 1, Text: "try again"));
        Assert.Equal(ReviewStatus.SentBack, outcome.Status);
        Assert.Null(outcome.LaunchRefusal);
        Assert.NotNull(outcome.LaunchedRunId);
        await using var db = await _h.Db.CreateDbContextAsync();
        var run = await db.Runs.SingleAsync(r => r.Id == outcome.LaunchedRunId);
        Assert.Equal("scr", run.Kind);
        Assert.Contains(rows.RewriteTraceId.ToString(System.Globalization.CultureInfo.InvariantCulture), run.SpecJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_back_says_why_when_no_scr_round_can_be_launched()
    {
        var rows = await ScrReviewData.WriteAsync(_h.Db, synthesizer: "no-such-synthesizer");
        var outcome = await Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.SendBack, 1, Text: "try again"));
        Assert.Equal(ReviewStatus.SentBack, outcome.Status);
        Assert.Null(outcome.LaunchedRunId);
        Assert.False(string.IsNullOrEmpty(outcome.LaunchRefusal));
    }

    [Fact]
    public async Task A_disputed_reference_takes_the_question_out_of_datasets_until_an_operator_or_expert_settles_it()
    {
        var rows = await ScrReviewData.WriteAsync(_h.Db);
        // The same question also has a trace verified in the first place: it leaves the dataset with the question.
        await using (var db = await _h.Db.CreateDbContextAsync())
        {
            var original = await db.Traces.SingleAsync(t => t.Id == rows.OriginalTraceId);
            db.Traces.Add(new CotTrace
            {
                RunId = original.RunId, QuestionId = rows.QuestionId, SampleIndex = 1, Status = TraceStatus.Succeeded, Reasoning = "right", Answer = "11025",
                Verdict = DeepFinance.Core.Verification.Verdict.Correct, RequestHash = "verified-" + rows.ReviewId, SynthesizerName = "sim", Model = "sim",
            });
            await db.SaveChangesAsync();
        }
        var candidates = _h.Services.GetRequiredService<DatasetCandidates>();
        Assert.Single(await candidates.ListAsync());

        var outcome = await Bench.DecideAsync(rows.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Dispute, 1, Text: "the reference ignores fees"));
        Assert.Equal(ReviewStatus.Disputed, outcome.Status);
        Assert.Empty(await candidates.ListAsync());

        Assert.True(await _h.Services.GetRequiredService<ReferenceDisputes>().SettleAsync(rows.QuestionId, "expert@bank.example", "11025.00"));
        await using var check = await _h.Db.CreateDbContextAsync();
        var question = await check.Questions.SingleAsync(q => q.Id == rows.QuestionId);
        Assert.Equal(("11025.00", null), (question.ReferenceAnswer, question.ReferenceDisputedAt));
        var review = await check.Reviews.SingleAsync(r => r.Id == rows.ReviewId);
        Assert.Equal((ReviewStatus.Pending, 3), (review.Status, review.Version));
        Assert.Single(await candidates.ListAsync());
        Assert.False(await _h.Services.GetRequiredService<ReferenceDisputes>().SettleAsync(rows.QuestionId, "expert@bank.example", null));
    }

    [Fact]
    public async Task Dataset_candidates_are_traces_verified_first_time_and_accepted_rewrites_each_marked_with_its_path()
    {
        var accepted = await ScrReviewData.WriteAsync(_h.Db);
        var rejected = await ScrReviewData.WriteAsync(_h.Db);
        var pending = await ScrReviewData.WriteAsync(_h.Db);
        await Bench.DecideAsync(accepted.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Accept, 1));
        await Bench.DecideAsync(rejected.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Reject, 1, "other", "no"));
        await using (var db = await _h.Db.CreateDbContextAsync())
        {
            // A first-pass correct answer (round 0) and an intermediate round that happened to be right: only the first counts.
            var t = await db.Traces.SingleAsync(x => x.Id == pending.OriginalTraceId);
            t.Verdict = DeepFinance.Core.Verification.Verdict.Correct;
            var mid = await db.Traces.SingleAsync(x => x.Id == rejected.RoundTraceIds[0]);
            mid.Verdict = DeepFinance.Core.Verification.Verdict.Correct;
            await db.SaveChangesAsync();
        }

        var all = await _h.Services.GetRequiredService<DatasetCandidates>().ListAsync();
        Assert.Equal(2, all.Count);
        Assert.Contains(all, c => c is { Kind: CandidateKind.Verified } && c.TraceId == pending.OriginalTraceId && c.ReviewId == null);
        Assert.Contains(all, c => c is { Kind: CandidateKind.AcceptedRewrite, Fixed: false } && c.TraceId == accepted.RewriteTraceId && c.ReviewId == accepted.ReviewId);
    }

    [Fact]
    public async Task Next_reserves_the_next_free_pending_item_matching_the_filter()
    {
        var a = await ScrReviewData.WriteAsync(_h.Db, rounds: 1);
        var b = await ScrReviewData.WriteAsync(_h.Db, rounds: 2);
        var c = await ScrReviewData.WriteAsync(_h.Db, rounds: 2, leak: true);
        await Bench.ReserveAsync(b.ReviewId, Bo);

        var next = await Bench.NextAsync(new ReviewQueueFilter(Rounds: 2), Ana);
        Assert.Equal(c.ReviewId, next!.ReviewId);
        Assert.Null(await Bench.NextAsync(new ReviewQueueFilter(Rounds: 2), Ana, fromId: c.ReviewId));
        Assert.Equal(a.ReviewId, (await Bench.NextAsync(new ReviewQueueFilter(), Ana, fromId: c.ReviewId, backwards: true))!.ReviewId);

        var (total, items) = await Queries.QueryAsync(new ReviewQueueFilter(LeakFlag: true));
        Assert.Equal(1, total);
        Assert.Equal((c.ReviewId, Ana), (items[0].Id, items[0].ReservedBy));
    }

    [Fact]
    public async Task Double_review_needs_a_second_different_reviewer_agreement_settles_and_kappa_counts_it()
    {
        var agree = await ScrReviewData.WriteAsync(_h.Db, requiredReviews: 2);
        var differ = await ScrReviewData.WriteAsync(_h.Db, requiredReviews: 2);

        var firstOfTwo = await Bench.DecideAsync(agree.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Accept, 1));
        Assert.Equal((ReviewStatus.Pending, false), (firstOfTwo.Status, firstOfTwo.Settled));
        var again = await Assert.ThrowsAsync<ReviewConflictException>(() => Bench.DecideAsync(agree.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Accept, 2)));
        Assert.Equal(ReviewConflictKind.AlreadyReviewed, again.Kind);
        Assert.Equal(ReviewStatus.Accepted, (await Bench.DecideAsync(agree.ReviewId, Bo, new ReviewDecisionRequest(ReviewDecisionKind.Accept, 2))).Status);

        // Disagreement: the first decision stands and the disagreement is reported.
        await Bench.DecideAsync(differ.ReviewId, Bo, new ReviewDecisionRequest(ReviewDecisionKind.Reject, 1, "wrong-answer", "no"));
        var split = await Bench.DecideAsync(differ.ReviewId, Ana, new ReviewDecisionRequest(ReviewDecisionKind.Accept, 2));
        Assert.Equal((ReviewStatus.Rejected, true), (split.Status, split.Disagreement));

        var agreement = await Queries.AgreementAsync();
        Assert.Equal((2, 1), (agreement.Items, agreement.Agreed));
        Assert.NotNull(agreement.Kappa);

        var stats = await Queries.ReviewerStatsAsync();
        var ana = stats.Single(s => s.Reviewer == Ana);
        Assert.Equal((2, 2, 1.0), (ana.ReviewedToday, ana.Reviewed, ana.AcceptRate));
        Assert.Equal(0.5, stats.Single(s => s.Reviewer == Bo).AcceptRate, 3);
    }

    [Fact]
    public void The_configured_share_of_items_needing_a_second_review_is_stable_by_id_and_close_to_the_share()
    {
        var picked = Enumerable.Range(1, 10_000).Count(id => DoubleReviewRule.Picked(id, 0.2));
        Assert.InRange(picked, 1_800, 2_200);
        Assert.Equal(DoubleReviewRule.Picked(1234, 0.2), DoubleReviewRule.Picked(1234, 0.2));
        Assert.False(DoubleReviewRule.Picked(7, 0));
        Assert.True(DoubleReviewRule.Picked(7, 1));
    }

    [Fact]
    public void Cohens_kappa_follows_its_definition()
    {
        // 10 items: both accept 4, both reject 4, split 2. Observed .8; each rater accepts .5, so chance .5; kappa .6.
        var pairs = Enumerable.Repeat((true, true), 4).Concat(Enumerable.Repeat((false, false), 4)).Concat([(true, false), (false, true)]).ToList();
        var k = ReviewQueries.Agreement(pairs);
        Assert.Equal((10, 8), (k.Items, k.Agreed));
        Assert.Equal(0.6, k.Kappa!.Value, 6);
        Assert.Null(ReviewQueries.Agreement([(true, true), (true, true)]).Kappa);
        Assert.Null(ReviewQueries.Agreement([]).Kappa);
    }
}
