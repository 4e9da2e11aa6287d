using System.Runtime.CompilerServices;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Release.Export;

/// <summary>
/// Streams a release's frozen items in trace-id order, a page at a time (keyset paging, no tracking), so an export
/// holds one page in memory however large the release is.
/// </summary>
public sealed class ReleaseRowReader(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    public const int DefaultPageSize = 500;

    public async IAsyncEnumerable<ExportRow> ReadAsync(long releaseId, int pageSize = DefaultPageSize, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var after = long.MinValue;
        while (true)
        {
            List<ExportRow> page;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                page = await PageAsync(db, releaseId, after, pageSize, ct);
            }
            foreach (var row in page)
            {
                yield return row;
            }
            if (page.Count < pageSize)
            {
                yield break;
            }
            after = page[^1].TraceId;
        }
    }

    private static async Task<List<ExportRow>> PageAsync(DeepFinanceDbContext db, long releaseId, long after, int pageSize, CancellationToken ct)
    {
        var raw = await (
            from i in db.ReleaseItems.AsNoTracking()
            where i.ReleaseId == releaseId && i.TraceId > after
            orderby i.TraceId
            from q in db.Questions.Where(q => q.Id == i.QuestionId).DefaultIfEmpty()
            from t in db.Traces.Where(t => t.Id == i.TraceId).DefaultIfEmpty()
            from r in db.Reviews.Where(r => r.Id == i.ReviewId).DefaultIfEmpty()
            from o in db.Traces.Where(o => o.Id == i.OriginalTraceId).DefaultIfEmpty()
            select new
            {
                Item = i,
                Question = q,
                Trace = t,
                FinalReasoning = r == null ? null : r.FinalReasoning,
                FinalAnswer = r == null ? null : r.FinalAnswer,
                OriginalReasoning = o == null ? null : o.Reasoning,
                OriginalAnswer = o == null ? null : o.Answer,
                // A PII fix on the flawed original has no frozen copy to live in: such a pair is left out rather than leak the unfixed text.
                OriginalFixed = i.OriginalTraceId != null && db.ReleasePiiHits.Any(h => h.ReleaseId == releaseId && h.TraceId == i.OriginalTraceId
                    && h.Status != PiiHitStatus.Waived),
            }).Take(pageSize).ToListAsync(ct);

        var rows = new List<ExportRow>(raw.Count);
        foreach (var x in raw)
        {
            var item = x.Item;
            if (x.Question is null || x.Trace is null)
            {
                throw new ReleaseExportException(
                    $"Release item (trace {item.TraceId}, question {item.QuestionId}) points at a {(x.Question is null ? "question" : "trace")} that no longer exists.");
            }
            var q = x.Question;
            var t = x.Trace;
            var reasoning = item.Reasoning ?? x.FinalReasoning ?? t.Reasoning ?? "";
            var answerChanged = item.Answer is not null || x.FinalAnswer is not null;
            rows.Add(new ExportRow
            {
                TraceId = item.TraceId,
                QuestionId = item.QuestionId,
                Kind = ExportRow.KindName(item.Kind),
                Question = item.QuestionText ?? q.Text,
                Options = q.Options,
                Reasoning = reasoning,
                Answer = item.Answer ?? x.FinalAnswer ?? t.Answer ?? "",
                FinalAnswer = answerChanged ? null : t.ExtractedAnswer,
                TaskType = q.TaskType?.DisplayName(),
                Difficulty = q.Difficulty?.ToString().ToLowerInvariant(),
                DifficultySource = q.DifficultySource?.ToString().ToLowerInvariant(),
                PassRate = q.PassRate,
                VerifiedSamples = q.VerifiedSamples,
                Origin = q.Origin.ToString(),
                Language = q.Language,
                ParentQuestionId = q.ParentQuestionId,
                SeedItemId = q.SeedItemId,
                Perturbation = q.Perturbation,
                RunId = t.RunId,
                Synthesizer = t.SynthesizerName,
                Model = t.Model,
                TemplateVersion = t.TemplateVersion,
                SampleIndex = t.SampleIndex,
                Round = t.Round,
                ParentTraceId = t.ParentTraceId,
                RequestHash = t.RequestHash,
                ReviewId = item.ReviewId,
                OriginalTraceId = item.OriginalTraceId,
                OriginalReasoning = x.OriginalFixed ? null : x.OriginalReasoning,
                OriginalAnswer = x.OriginalFixed ? null : x.OriginalAnswer,
            });
        }
        return rows;
    }
}

/// <summary>An export that cannot be made: a release that is not Ready, an unknown format, a dangling item.</summary>
public sealed class ReleaseExportException(string message) : Exception(message);
