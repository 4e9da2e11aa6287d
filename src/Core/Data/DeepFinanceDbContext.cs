using DeepFinance.Core.Audit;
using DeepFinance.Core.Extraction;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace DeepFinance.Core.Data;

/// <summary>The pipeline's data: seeds, questions, runs, traces, prompts, synthesizers and the LLM response store.</summary>
public class DeepFinanceDbContext(DbContextOptions<DeepFinanceDbContext> options) : DbContext(options)
{
    public DbSet<SeedSource> SeedSources => Set<SeedSource>();
    public DbSet<SeedItem> SeedItems => Set<SeedItem>();
    public DbSet<SavedSeedMapping> SeedMappings => Set<SavedSeedMapping>();
    public DbSet<Question> Questions => Set<Question>();
    public DbSet<Synthesizer> Synthesizers => Set<Synthesizer>();
    public DbSet<SynthesizerPrice> SynthesizerPrices => Set<SynthesizerPrice>();
    public DbSet<PromptTemplate> PromptTemplates => Set<PromptTemplate>();
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<RunItem> RunItems => Set<RunItem>();
    public DbSet<RunPrompt> RunPrompts => Set<RunPrompt>();
    public DbSet<RunPartition> RunPartitions => Set<RunPartition>();
    public DbSet<CotTrace> Traces => Set<CotTrace>();
    public DbSet<LlmResponse> LlmResponses => Set<LlmResponse>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<Reverification> Reverifications => Set<Reverification>();
    public DbSet<Review> Reviews => Set<Review>();
    public DbSet<ReviewDecision> ReviewDecisions => Set<ReviewDecision>();
    public DbSet<RealWorldImport> RealWorldImports => Set<RealWorldImport>();
    public DbSet<RealWorldQuery> RealWorldQueries => Set<RealWorldQuery>();
    public DbSet<ExpertAssignment> ExpertAssignments => Set<ExpertAssignment>();
    public DbSet<Annotation> Annotations => Set<Annotation>();
    public DbSet<AnnotationGuideline> AnnotationGuidelines => Set<AnnotationGuideline>();
    public DbSet<CapabilityTag> CapabilityTags => Set<CapabilityTag>();
    public DbSet<BenchmarkSet> BenchmarkSets => Set<BenchmarkSet>();
    public DbSet<BenchmarkItem> BenchmarkItems => Set<BenchmarkItem>();
    public DbSet<ContaminationHit> ContaminationHits => Set<ContaminationHit>();
    public DbSet<Release> Releases => Set<Release>();
    public DbSet<ReleaseItem> ReleaseItems => Set<ReleaseItem>();
    public DbSet<ReleaseExclusion> ReleaseExclusions => Set<ReleaseExclusion>();
    public DbSet<ReleasePiiHit> ReleasePiiHits => Set<ReleasePiiHit>();
    public DbSet<DerivedCandidate> DerivedCandidates => Set<DerivedCandidate>();
    public DbSet<KnowledgePoint> KnowledgePoints => Set<KnowledgePoint>();
    public DbSet<KnowledgePointTrace> KnowledgePointTraces => Set<KnowledgePointTrace>();
    public DbSet<DocumentSet> DocumentSets => Set<DocumentSet>();
    public DbSet<Document> Documents => Set<Document>();
    public DbSet<Passage> Passages => Set<Passage>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot compare or add DateTimeOffset and decimal in SQL; store them as numbers so
        // lease expiry checks and live counters run in the database.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<decimal>().HaveConversion<double>();
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<SeedSource>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.HasIndex(x => x.Name);
        });
        modelBuilder.Entity<SeedItem>(e =>
        {
            e.HasIndex(x => new { x.SeedSourceId, x.LineNumber, x.ItemIndex }).IsUnique();
            e.HasOne<SeedSource>().WithMany().HasForeignKey(x => x.SeedSourceId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<SavedSeedMapping>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.HasIndex(x => x.Name).IsUnique();
        });
        modelBuilder.Entity<Question>(e =>
        {
            e.HasIndex(x => new { x.SeedItemId, x.Origin }).IsUnique().HasFilter("SeedItemId IS NOT NULL");
            e.HasIndex(x => x.ParentQuestionId);
            e.HasIndex(x => x.TaskType);
            e.HasOne<SeedItem>().WithMany().HasForeignKey(x => x.SeedItemId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Question>().WithMany().HasForeignKey(x => x.ParentQuestionId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(x => x.ParentTraceId);
            e.Property(x => x.KnowledgePoint).HasMaxLength(2000);
            e.HasIndex(x => x.PassageId);
            e.HasOne<Passage>().WithMany().HasForeignKey(x => x.PassageId).OnDelete(DeleteBehavior.Restrict);
            e.Property(x => x.TaskTypeDetail).HasMaxLength(ClassificationPrecedence.MaxDetail);
            e.Property(x => x.DifficultyDetail).HasMaxLength(ClassificationPrecedence.MaxDetail);
        });
        modelBuilder.Entity<KnowledgePoint>(e =>
        {
            e.HasIndex(x => x.Key).IsUnique();
            e.HasIndex(x => x.Kind);
            e.Property(x => x.Key).HasMaxLength(2000);
            e.Property(x => x.Text).HasMaxLength(2000);
        });
        modelBuilder.Entity<KnowledgePointTrace>(e =>
        {
            e.HasKey(x => new { x.KnowledgePointId, x.TraceId });
            e.HasIndex(x => x.TraceId);
            e.Property(x => x.Statement).HasMaxLength(2000);
            e.HasOne<KnowledgePoint>().WithMany().HasForeignKey(x => x.KnowledgePointId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Question>().HasIndex(x => x.KnowledgePointId);
        modelBuilder.Entity<DerivedCandidate>().HasIndex(x => x.KnowledgePointId);
        modelBuilder.Entity<DerivedCandidate>(e =>
        {
            e.HasIndex(x => new { x.RunId, x.Status, x.RejectReason });
            e.HasIndex(x => x.RunItemId);
            e.HasIndex(x => x.ParentQuestionId);
            e.HasIndex(x => x.QuestionId);
            e.Property(x => x.Text).HasMaxLength(20_000);
            e.Property(x => x.Answer).HasMaxLength(4000);
            e.Property(x => x.PerturbationKind).HasMaxLength(32);
            e.Property(x => x.PerturbationBefore).HasMaxLength(1000);
            e.Property(x => x.PerturbationAfter).HasMaxLength(1000);
            e.Property(x => x.KnowledgePoint).HasMaxLength(2000);
            e.Property(x => x.RejectReason).HasMaxLength(32);
            e.Property(x => x.RejectDetail).HasMaxLength(2000);
            e.Property(x => x.RawText).HasMaxLength(20_000);
            e.Property(x => x.RepairRawText).HasMaxLength(20_000);
            e.HasIndex(x => x.PassageId);
            e.Property(x => x.RequestHash).HasMaxLength(128);
            e.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Question>().WithMany().HasForeignKey(x => x.ParentQuestionId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<DocumentSet>(e =>
        {
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.CreatedBy).HasMaxLength(256);
        });
        modelBuilder.Entity<Document>(e =>
        {
            e.HasIndex(x => x.DocumentSetId);
            e.Property(x => x.FileName).HasMaxLength(260);
            e.Property(x => x.Format).HasMaxLength(16);
            e.Property(x => x.Title).HasMaxLength(500);
            e.Property(x => x.Language).HasMaxLength(8);
            e.Property(x => x.Sha256).HasMaxLength(64);
            e.HasOne<DocumentSet>().WithMany().HasForeignKey(x => x.DocumentSetId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Passage>(e =>
        {
            e.HasIndex(x => new { x.DocumentId, x.Index }).IsUnique();
            e.Property(x => x.Heading).HasMaxLength(1000);
            e.Property(x => x.Language).HasMaxLength(8);
            e.HasOne<Document>().WithMany().HasForeignKey(x => x.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Synthesizer>(e =>
        {
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.ApiKeyLast4).HasMaxLength(4);
        });
        modelBuilder.Entity<SynthesizerPrice>(e =>
        {
            e.HasIndex(x => new { x.SynthesizerId, x.EffectiveFrom });
            e.Property(x => x.ChangedBy).HasMaxLength(256);
            e.HasOne<Synthesizer>().WithMany().HasForeignKey(x => x.SynthesizerId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<PromptTemplate>(e => e.HasIndex(x => new { x.Name, x.Version }).IsUnique());
        modelBuilder.Entity<Run>(e =>
        {
            e.HasIndex(x => x.Status);
            e.HasIndex(x => x.CreatedAt);
            e.Property(x => x.Kind).HasMaxLength(32);
        });
        modelBuilder.Entity<RunItem>(e =>
        {
            e.HasIndex(x => new { x.RunId, x.Key }).IsUnique();
            e.HasIndex(x => new { x.RunId, x.Partition, x.Status });
            e.HasIndex(x => new { x.RunId, x.Status });
            e.Property(x => x.Key).HasMaxLength(128);
            e.Property(x => x.Error).HasMaxLength(2000);
            e.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<RunPrompt>(e =>
        {
            e.HasKey(x => new { x.RunId, x.Role });
            e.Property(x => x.Role).HasMaxLength(32);
            e.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<PromptTemplate>().WithMany().HasForeignKey(x => x.PromptTemplateId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<RunPartition>(e =>
        {
            e.HasIndex(x => new { x.RunId, x.Index }).IsUnique();
            e.HasIndex(x => new { x.Status, x.LeaseExpiresAt });
            e.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<CotTrace>(e =>
        {
            e.HasIndex(x => new { x.RunId, x.QuestionId, x.SampleIndex, x.Round }).IsUnique();
            e.HasIndex(x => x.ParentTraceId);
            e.HasIndex(x => x.RunItemId);
            // No foreign key on ParentTraceId: adding one to an existing SQLite table means rebuilding it (and its
            // millions of rows) outside a transaction; the engine writes the link only from a trace it has just read.
            e.HasIndex(x => new { x.RunId, x.Verdict });
            // Keyset paging of the trace grid (TraceQueries.SeekAsync): one index per sort key, with and without the verdict
            // filter, each ending in Id so a page's ids come from the index alone and ties have one order.
            e.HasIndex(x => new { x.RunId, x.Id });
            e.HasIndex(x => new { x.RunId, x.LatencyMs, x.Id });
            e.HasIndex(x => new { x.RunId, x.CompletionTokens, x.Id });
            e.HasIndex(x => new { x.RunId, x.Verdict, x.LatencyMs, x.Id });
            e.HasIndex(x => new { x.RunId, x.Verdict, x.CompletionTokens, x.Id });
            e.HasIndex(x => x.QuestionId);
            e.HasIndex(x => x.RequestHash);
            e.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Question>().WithMany().HasForeignKey(x => x.QuestionId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.HasIndex(x => x.At);
            e.HasIndex(x => x.Action);
            e.Property(x => x.Action).HasMaxLength(100);
        });
        modelBuilder.Entity<Reverification>(e =>
        {
            e.HasIndex(x => x.RunId);
            e.Property(x => x.Judge).HasMaxLength(100);
            e.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Review>(e =>
        {
            e.HasIndex(x => x.RewriteTraceId).IsUnique();
            e.HasIndex(x => new { x.Status, x.Id });
            e.HasIndex(x => new { x.RunId, x.Status });
            e.HasIndex(x => x.QuestionId);
            e.Property(x => x.ReservedBy).HasMaxLength(256);
            e.Property(x => x.LeakOverrideReason).HasMaxLength(2000);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Question>().WithMany().HasForeignKey(x => x.QuestionId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<ReviewDecision>(e =>
        {
            e.HasIndex(x => new { x.ReviewId, x.At });
            e.HasIndex(x => new { x.Reviewer, x.At });
            e.Property(x => x.Reviewer).HasMaxLength(256);
            e.Property(x => x.ReasonCode).HasMaxLength(64);
            e.Property(x => x.Comment).HasMaxLength(4000);
            e.HasOne<Review>().WithMany().HasForeignKey(x => x.ReviewId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<RealWorldImport>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.FileName).HasMaxLength(260);
            e.Property(x => x.ImportedBy).HasMaxLength(256);
            e.HasIndex(x => x.RawRetainedUntil);
        });
        modelBuilder.Entity<RealWorldQuery>(e =>
        {
            e.HasIndex(x => new { x.ImportId, x.LineNumber }).IsUnique();
            e.HasIndex(x => new { x.Status, x.Id });
            e.HasIndex(x => x.QuestionId);
            e.Property(x => x.Channel).HasMaxLength(100);
            e.Property(x => x.Product).HasMaxLength(200);
            e.Property(x => x.CheckedBy).HasMaxLength(256);
            e.Property(x => x.HighestSurvivingLevel).HasMaxLength(2);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasOne<RealWorldImport>().WithMany().HasForeignKey(x => x.ImportId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Question>().WithMany().HasForeignKey(x => x.QuestionId).OnDelete(DeleteBehavior.SetNull);
        });
        modelBuilder.Entity<ExpertAssignment>(e =>
        {
            e.HasIndex(x => new { x.Expert, x.Done, x.Id });
            e.HasIndex(x => new { x.QueryId, x.Expert }).IsUnique().HasFilter("QueryId IS NOT NULL");
            e.HasIndex(x => x.ReviewId);
            e.Property(x => x.Expert).HasMaxLength(256);
            e.HasOne<RealWorldQuery>().WithMany().HasForeignKey(x => x.QueryId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Review>().WithMany().HasForeignKey(x => x.ReviewId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Annotation>(e =>
        {
            e.HasIndex(x => new { x.QueryId, x.Expert });
            e.HasIndex(x => new { x.Expert, x.At });
            e.Property(x => x.Expert).HasMaxLength(256);
            e.Property(x => x.UnusableReason).HasMaxLength(2000);
            e.Property(x => x.Notes).HasMaxLength(4000);
            e.HasOne<RealWorldQuery>().WithMany().HasForeignKey(x => x.QueryId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<AnnotationGuideline>(e =>
        {
            e.HasIndex(x => x.Version).IsUnique();
            e.Property(x => x.CreatedBy).HasMaxLength(256);
        });
        modelBuilder.Entity<CapabilityTag>(e =>
        {
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.NameZh).HasMaxLength(100);
        });
        modelBuilder.Entity<BenchmarkSet>(e =>
        {
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.FileName).HasMaxLength(260);
            e.Property(x => x.ImportedBy).HasMaxLength(256);
            e.Property(x => x.ContentSha256).HasMaxLength(64);
        });
        modelBuilder.Entity<BenchmarkItem>(e =>
        {
            e.HasIndex(x => new { x.BenchmarkSetId, x.LineNumber }).IsUnique();
            e.Property(x => x.ExternalId).HasMaxLength(200);
            e.HasOne<BenchmarkSet>().WithMany().HasForeignKey(x => x.BenchmarkSetId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ContaminationHit>(e =>
        {
            e.HasIndex(x => new { x.QuestionId, x.BenchmarkItemId }).IsUnique();
            e.HasIndex(x => x.BenchmarkItemId);
            e.Property(x => x.Method).HasMaxLength(32);
            e.HasOne<Question>().WithMany().HasForeignKey(x => x.QuestionId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<BenchmarkItem>().WithMany().HasForeignKey(x => x.BenchmarkItemId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Release>(e =>
        {
            e.HasIndex(x => x.Version).IsUnique();
            e.Property(x => x.Version).HasMaxLength(64);
            e.Property(x => x.Title).HasMaxLength(200);
            e.Property(x => x.License).HasMaxLength(200);
            e.Property(x => x.CreatedBy).HasMaxLength(256);
            e.HasOne<Release>().WithMany().HasForeignKey(x => x.PreviousReleaseId).OnDelete(DeleteBehavior.SetNull);
        });
        modelBuilder.Entity<ReleaseItem>(e =>
        {
            e.HasKey(x => new { x.ReleaseId, x.TraceId });
            e.HasIndex(x => new { x.ReleaseId, x.QuestionId });
            e.HasOne<Release>().WithMany().HasForeignKey(x => x.ReleaseId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ReleaseExclusion>(e =>
        {
            e.HasIndex(x => new { x.ReleaseId, x.ReasonCode });
            e.Property(x => x.ReasonCode).HasMaxLength(64);
            e.Property(x => x.Detail).HasMaxLength(1000);
            e.HasOne<Release>().WithMany().HasForeignKey(x => x.ReleaseId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ReleasePiiHit>(e =>
        {
            e.HasIndex(x => new { x.ReleaseId, x.Status });
            e.Property(x => x.Field).HasMaxLength(16);
            e.Property(x => x.EntityType).HasMaxLength(64);
            e.Property(x => x.Level).HasMaxLength(2);
            e.Property(x => x.Context).HasMaxLength(400);
            e.Property(x => x.WaiverReason).HasMaxLength(2000);
            e.Property(x => x.ResolvedBy).HasMaxLength(256);
            e.HasOne<Release>().WithMany().HasForeignKey(x => x.ReleaseId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<LlmResponse>(e =>
        {
            e.HasKey(x => x.RequestHash);
            e.Property(x => x.RequestHash).HasMaxLength(64);
        });
    }
}
