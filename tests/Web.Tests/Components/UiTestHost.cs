using System.Text;
using Bunit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using DeepFinance.Web.Localization;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace DeepFinance.Web.Tests.Components;

/// <summary>Records what would have been handed to Hangfire.</summary>
public sealed class RecordingScheduler : IRunScheduler
{
    public List<long> Prepared { get; } = [];

    public List<(long RunId, int Partition)> Partitions { get; } = [];

    public void EnqueuePrepare(long runId) => Prepared.Add(runId);

    public void EnqueuePartition(long runId, int partition) => Partitions.Add((runId, partition));
}

/// <summary>Records jobs that would have been handed to Hangfire directly (re-verification).</summary>
public sealed class RecordingJobClient : Hangfire.IBackgroundJobClient
{
    public List<Hangfire.Common.Job> Jobs { get; } = [];

    public string Create(Hangfire.Common.Job job, Hangfire.States.IState state)
    {
        Jobs.Add(job);
        return Jobs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool ChangeState(string jobId, Hangfire.States.IState state, string expectedState) => true;
}

/// <summary>
/// A bUnit context over the real Core services and a real SQLite file in a temp folder:
/// migrated, prompts and synthesizers seeded (the simulator exists), MudBlazor and localization registered.
/// Tests that read English text call <see cref="DeepFinance.Web.Tests.Localization.TestCulture.Use"/>("en") first.
/// </summary>
public sealed class UiTestHost : IAsyncDisposable
{
    private readonly string _directory;

    private UiTestHost(string directory, BunitContext context)
    {
        _directory = directory;
        Context = context;
    }

    public BunitContext Context { get; }

    public RecordingScheduler Scheduler { get; } = new();

    public RecordingJobClient JobClient { get; } = new();

    public IServiceProvider Services => Context.Services;

    public static Task<UiTestHost> CreateAsync(string user = "operator@test", params string[] policies) => CreateAsync(user, policies, [], null);

    /// <summary>As above, with roles for the signed-in person and extra services (added before the first render).</summary>
    public static async Task<UiTestHost> CreateAsync(string user, string[] policies, string[] roles, Action<IServiceCollection>? configure)
    {
        var directory = Path.Combine(Path.GetTempPath(), "df-ui-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var ctx = new BunitContext();
        var host = new UiTestHost(directory, ctx);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DeepFinance:DataDirectory"] = directory,
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddSingleton<IConfiguration>(configuration);
        ctx.Services.AddDeepFinanceCore(configuration);
        ctx.Services.AddSingleton<IRunScheduler>(host.Scheduler);
        ctx.Services.AddSingleton<Hangfire.IBackgroundJobClient>(host.JobClient);
        // Re-verification goes through the app's Hangfire scheduler, so the recorded job is the one production would enqueue.
        ctx.Services.AddSingleton<IReverificationScheduler>(new DeepFinance.Web.Jobs.HangfireRunScheduler(host.JobClient));
        ctx.Services.AddMudServices();
        // The app's localization: resources under Resources/, MudBlazor's strings translated too.
        ctx.Services.AddDeepFinanceLocalization();
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized(user);
        auth.SetPolicies(policies.Length == 0 ? ["Operate", "Read"] : policies);
        if (roles.Length > 0)
        {
            auth.SetRoles(roles);
        }
        configure?.Invoke(ctx.Services);
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        await ctx.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        await ctx.Services.GetRequiredService<PromptLibrary>().SeedAsync();
        await ctx.Services.GetRequiredService<SynthesizerCatalog>().SyncFromConfigurationAsync();
        ctx.Render<MudBlazor.MudPopoverProvider>();
        return host;
    }

    public async Task<long> ImportSeedsAsync(int count, string name = "Test seeds")
    {
        var lines = new StringBuilder();
        for (var i = 1; i <= count; i++)
        {
            lines.Append("{\"id\":\"t-").Append(i).Append("\",\"question\":\"What is ").Append(i).Append(" plus ").Append(i)
                .Append("?\",\"answer\":\"").Append(i * 2).Append("\",\"task_type\":\"Math\"}\n");
        }
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(lines.ToString()));
        var result = await Services.GetRequiredService<SeedImporter>().ImportAsync(stream, "seeds.jsonl", name, "test");
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.SourceId!.Value;
    }

    public async Task<DeepFinanceDbContext> DbAsync() =>
        await Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>().CreateDbContextAsync();

    /// <summary>A run with <paramref name="count"/> traces written straight to the database: mixed verdicts, task types and latencies.</summary>
    public async Task<long> SeedRunWithTracesAsync(int count, Func<int, CotTrace, CotTrace>? shape = null, RunStatus status = RunStatus.Completed)
    {
        var prompt = await Services.GetRequiredService<PromptLibrary>().GetAsync(PromptLibrary.CotSample, null);
        await using var db = await DbAsync();
        var run = new Run
        {
            Kind = "q2a", Status = status, SynthesizerName = "simulator", Model = "simulator",
            SamplesPerQuestion = 2, PromptTemplateId = prompt.Id, SamplingSalt = "", ParametersJson = "{}",
            Total = count, Done = count, CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        var taskTypes = TaskTypes.All;
        var questions = Enumerable.Range(0, (count + 1) / 2).Select(i => new Question
        {
            Origin = QuestionOrigin.Q2A, Text = $"Question number {i}: what is the yield?", ReferenceAnswer = $"{i}%",
            TaskType = taskTypes[i % taskTypes.Count], Language = "en", CreatedAt = DateTimeOffset.UtcNow,
        }).ToList();
        db.Questions.AddRange(questions);
        await db.SaveChangesAsync();
        for (var i = 0; i < count; i++)
        {
            var trace = new CotTrace
            {
                RunId = run.Id, QuestionId = questions[i / 2].Id, SampleIndex = i % 2, Status = TraceStatus.Succeeded,
                Reasoning = $"Step {i}", Answer = $"Answer {i}", ExtractedAnswer = $"{i}%",
                Verdict = (i % 3) switch { 0 => Verdict.Correct, 1 => Verdict.Incorrect, _ => Verdict.Unverifiable },
                VerdictRule = "number", VerdictReason = "compared", PromptTokens = 100 + i, CompletionTokens = 200 + i,
                LatencyMs = (i * 37) % 1000 + 10, CostMicros = 1000 + i, RequestHash = $"hash-{run.Id}-{i}",
                PromptTemplateId = prompt.Id, TemplateVersion = prompt.Version, SynthesizerName = "simulator",
                Model = "simulator", CreatedAt = DateTimeOffset.UtcNow,
            };
            db.Traces.Add(shape is null ? trace : shape(i, trace));
        }
        await db.SaveChangesAsync();
        return run.Id;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
