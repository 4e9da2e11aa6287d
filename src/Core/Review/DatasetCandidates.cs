using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Review;

/// <summary>
/// What enters a dataset, and by which path: traces verified correct in the first place (round 0), and rewrites a
/// reviewer accepted (with the reviewer's edit when fixed). A question whose reference is disputed contributes
/// nothing until it is settled; a leak-flagged rewrite only with a reviewer's override. Releases read this, and
/// nothing else, so the rule lives here.
/// </summary>
public sealed class DatasetCandidates(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    public async IAsyncEnumerable<DatasetCandidate> StreamAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var verified = from t in db.Traces.AsNoTracking()
                       join q in db.Questions.AsNoTracking() on t.QuestionId equals q.Id
                       join response in db.LlmResponses.AsNoTracking() on t.RequestHash equals response.RequestHash into responses
                       from r in responses.DefaultIfEmpty()
                       where t.Round == 0 && t.Status == TraceStatus.Succeeded && t.Verdict == Verdict.Correct && q.ReferenceDisputedAt == null
                       orderby t.Id
                       select new DatasetCandidate(CandidateKind.Verified, t.Id, t.QuestionId, t.Reasoning, t.Answer, null, false,
                           r == null ? null : r.FinishReason);
        await foreach (var c in verified.AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return c;
        }
        var accepted = from r in db.Reviews.AsNoTracking()
                       join t in db.Traces.AsNoTracking() on r.RewriteTraceId equals t.Id
                       join q in db.Questions.AsNoTracking() on r.QuestionId equals q.Id
                       join response in db.LlmResponses.AsNoTracking() on t.RequestHash equals response.RequestHash into responses
                       from paid in responses.DefaultIfEmpty()
                       where r.Status == ReviewStatus.Accepted && q.ReferenceDisputedAt == null && (!r.LeakFlag || r.LeakOverrideReason != null)
                       orderby r.Id
                       // A reviewer's own text was not cut off by the endpoint, whatever the rewrite's finish reason said.
                       select new DatasetCandidate(CandidateKind.AcceptedRewrite, t.Id, r.QuestionId, r.FinalReasoning ?? t.Reasoning,
                           r.FinalAnswer ?? t.Answer, r.Id, r.FinalReasoning != null, r.FinalReasoning != null || paid == null ? null : paid.FinishReason);
        await foreach (var c in accepted.AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return c;
        }
    }

    /// <summary>
    /// The other side of the same rule: first answers and reviewed rewrites that did not enter, each with the reason
    /// code a release records (<see cref="LeftOutReasons"/>). Failed calls (no answer at all) and intermediate
    /// self-correction rounds are neither candidates nor left out.
    /// </summary>
    public async IAsyncEnumerable<LeftOutCandidate> StreamLeftOutAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var firstAnswers = from t in db.Traces.AsNoTracking()
                           join q in db.Questions.AsNoTracking() on t.QuestionId equals q.Id
                           where t.Round == 0 && t.Status == TraceStatus.Succeeded && (t.Verdict != Verdict.Correct || q.ReferenceDisputedAt != null)
                           orderby t.Id
                           select new { t.Id, t.QuestionId, t.Verdict, Disputed = q.ReferenceDisputedAt != null };
        await foreach (var t in firstAnswers.AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return t.Disputed && t.Verdict == Verdict.Correct
                ? new LeftOutCandidate(t.Id, t.QuestionId, LeftOutReasons.ReferenceDisputed, null)
                : new LeftOutCandidate(t.Id, t.QuestionId, LeftOutReasons.Unverified, $"verdict {(t.Verdict?.ToString() ?? "none").ToLowerInvariant()}");
        }
        var reviews = from r in db.Reviews.AsNoTracking()
                      join q in db.Questions.AsNoTracking() on r.QuestionId equals q.Id
                      where r.Status != ReviewStatus.Accepted || q.ReferenceDisputedAt != null || (r.LeakFlag && r.LeakOverrideReason == null)
                      orderby r.Id
                      select new { r.Id, r.RewriteTraceId, r.QuestionId, r.Status, Disputed = q.ReferenceDisputedAt != null };
        await foreach (var r in reviews.AsAsyncEnumerable().WithCancellation(ct))
        {
            var reason = r.Status switch
            {
                ReviewStatus.Rejected => LeftOutReasons.RejectedReview,
                ReviewStatus.Accepted when r.Disputed => LeftOutReasons.ReferenceDisputed,
                ReviewStatus.Accepted => LeftOutReasons.LeakFlagged,
                _ => LeftOutReasons.ReviewUnresolved,
            };
            yield return new LeftOutCandidate(r.RewriteTraceId, r.QuestionId, reason, $"review {r.Id} {r.Status.ToString().ToLowerInvariant()}");
        }
    }

    public async Task<IReadOnlyList<DatasetCandidate>> ListAsync(CancellationToken ct = default)
    {
        var list = new List<DatasetCandidate>();
        await foreach (var c in StreamAsync(ct))
        {
            list.Add(c);
        }
        return list;
    }
}
