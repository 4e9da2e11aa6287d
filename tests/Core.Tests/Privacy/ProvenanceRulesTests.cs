using DeepFinance.Core.Data;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Privacy;

/// <summary>The one rule from lineage to provenance, and the service that reads lineage from a real SQLite file.</summary>
public sealed class ProvenanceRulesTests
{
    private static QuestionLineageStep Step(QuestionOrigin origin, bool approved = false) => new(origin, approved);

    [Fact]
    public void A_question_from_public_seeds_with_public_ancestors_is_public()
    {
        Assert.Equal(RequestProvenance.Public, ProvenanceRules.Of([Step(QuestionOrigin.Q2A)]));
        Assert.Equal(RequestProvenance.Public, ProvenanceRules.Of([Step(QuestionOrigin.A2Q), Step(QuestionOrigin.T2Q), Step(QuestionOrigin.Q2A)]));
    }

    [Fact]
    public void A_real_world_ancestor_anywhere_up_the_chain_makes_it_raw_derived()
    {
        Assert.Equal(RequestProvenance.RawDerived, ProvenanceRules.Of([Step(QuestionOrigin.RealWorld)]));
        Assert.Equal(RequestProvenance.RawDerived, ProvenanceRules.Of([Step(QuestionOrigin.A2Q), Step(QuestionOrigin.RealWorld)]));
        Assert.Equal(RequestProvenance.RawDerived,
            ProvenanceRules.Of([Step(QuestionOrigin.A2Q), Step(QuestionOrigin.A2Q), Step(QuestionOrigin.T2Q), Step(QuestionOrigin.RealWorld)]));
    }

    [Fact]
    public void Unknown_lineage_fails_closed()
    {
        Assert.Equal(RequestProvenance.RawDerived, ProvenanceRules.Of([]));
        Assert.Equal(RequestProvenance.RawDerived, ProvenanceRules.Of([QuestionLineageStep.Missing]));
        Assert.Equal(RequestProvenance.RawDerived, ProvenanceRules.Of([Step(QuestionOrigin.A2Q), QuestionLineageStep.Missing]));
        Assert.Equal(RequestProvenance.RawDerived, default(RequestProvenance));
        Assert.False(ProvenanceRules.MayLeave(default));
        Assert.False(ProvenanceRules.MayLeave((RequestProvenance)42));
    }

    [Fact]
    public void Expert_approved_desensitized_text_cuts_the_raw_chain_for_itself_and_what_derives_from_it()
    {
        Assert.Equal(RequestProvenance.Desensitized, ProvenanceRules.Of([Step(QuestionOrigin.RealWorld, approved: true)]));
        Assert.Equal(RequestProvenance.Desensitized,
            ProvenanceRules.Of([Step(QuestionOrigin.A2Q), Step(QuestionOrigin.RealWorld, approved: true), Step(QuestionOrigin.RealWorld)]));
        // An approval further up does not cover a raw query closer to the item.
        Assert.Equal(RequestProvenance.RawDerived,
            ProvenanceRules.Of([Step(QuestionOrigin.RealWorld), Step(QuestionOrigin.RealWorld, approved: true)]));
        Assert.True(ProvenanceRules.MayLeave(RequestProvenance.Desensitized));
        Assert.True(ProvenanceRules.MayLeave(RequestProvenance.Public));
    }

    [Fact]
    public async Task The_service_walks_parent_links_in_the_database_for_a_whole_batch()
    {
        await using var h = await PipelineHarness.StartAsync();
        long raw, child, grandchild, seedLike, orphan, loopA, loopB;
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            Question Add(QuestionOrigin origin, long? parent)
            {
                var q = new Question { Origin = origin, ParentQuestionId = parent, Text = "q", Language = "zh", CreatedAt = DateTimeOffset.UtcNow };
                db.Questions.Add(q);
                db.SaveChanges();
                return q;
            }
            raw = Add(QuestionOrigin.RealWorld, null).Id;
            child = Add(QuestionOrigin.A2Q, raw).Id;
            grandchild = Add(QuestionOrigin.T2Q, child).Id;
            seedLike = Add(QuestionOrigin.Q2A, null).Id;
            orphan = Add(QuestionOrigin.A2Q, null).Id;
            var a = Add(QuestionOrigin.A2Q, null);
            var b = Add(QuestionOrigin.A2Q, a.Id);
            a.ParentQuestionId = b.Id;
            await db.SaveChangesAsync();
            (loopA, loopB) = (a.Id, b.Id);

            // A parent that names no row: the foreign key forbids it, so it is written with the key check off,
            // as a damaged or partially copied database would hold it.
            await db.Database.OpenConnectionAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys = OFF");
            await db.Database.ExecuteSqlAsync($"UPDATE Questions SET ParentQuestionId = 987654 WHERE Id = {orphan}");
            await db.Database.CloseConnectionAsync();
        }
        var service = h.Services.GetRequiredService<QuestionProvenance>();

        var all = await service.OfManyAsync([raw, child, grandchild, seedLike, orphan, loopA, loopB, 123_456]);

        Assert.Equal(RequestProvenance.RawDerived, all[raw]);
        Assert.Equal(RequestProvenance.RawDerived, all[child]);
        Assert.Equal(RequestProvenance.RawDerived, all[grandchild]);
        Assert.Equal(RequestProvenance.Public, all[seedLike]);
        Assert.Equal(RequestProvenance.RawDerived, all[orphan]);     // parent row missing
        Assert.Equal(RequestProvenance.RawDerived, all[loopA]);      // a cycle is not a lineage
        Assert.Equal(RequestProvenance.RawDerived, all[loopB]);
        Assert.Equal(RequestProvenance.RawDerived, all[123_456]);    // no such question
        Assert.Equal(RequestProvenance.RawDerived, await service.OfAsync(grandchild));
        Assert.Equal(RequestProvenance.Public, await service.OfAsync(seedLike));
    }
}
