using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Synthesis;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.Core.Tests.Verification;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Privacy;

/// <summary>
/// The privacy gate on every path that can send a request, against a simulator marked external over
/// loopback HTTP. The simulator's own <c>/stats</c> is the witness that nothing left.
/// </summary>
public sealed class PrivacyGateTests
{
    private const string RawQuery = "我在贵行的房贷利率是4.9%，剩余本金86万元，提前还款30万元后每月月供会少多少？";
    private const string SeedQuestion = "某客户贷款20万元，年利率5%，单利计息，3年利息多少元？";
    private const string RefusalText = "raw real-world query";

    private static readonly Dictionary<string, string?> External = new() { ["DeepFinance:Synthesizers:sim:External"] = "true" };

    /// <summary>
    /// Every type that can send a request, with a drive of its path using text derived from a raw query.
    /// Each drive returns what its caller is told. A type that starts depending on the client or the gateway
    /// fails <see cref="Every_sending_path_is_listed"/> until it is added here with its own drive.
    /// </summary>
    private static readonly Dictionary<Type, Func<PipelineHarness, Task<string>>> RawDerivedDrives = new()
    {
        [typeof(ChatEndpointClient)] = ClientDirectlyAsync,
        [typeof(LlmGateway)] = GatewaySamplingAsync,
        [typeof(AnswerJudge)] = JudgeAsync,
        [typeof(SynthesizerTester)] = ConnectionTesterAsync,
        [typeof(Extraction.Q2aRunHandler)] = RunAsync,
        [typeof(SynthesizeRunHandler)] = SynthesizeRunAsync,
        [typeof(CotSamplingWork)] = RunAsync,
        [typeof(Core.Rewriting.ScrRunHandler)] = ScrRunAsync,
        [typeof(Core.Rewriting.ScrWork)] = ScrRunAsync,
        [typeof(Extraction.DerivedRunHandler<>)] = A2qRunAsync,
        [typeof(Extraction.A2qRunHandler)] = A2qRunAsync,
        [typeof(Extraction.T2qRunHandler)] = T2qRunAsync,
        [typeof(Extraction.DerivedWork)] = T2qRunAsync,
        // An extract run sends through DerivedWork like a2q and t2q; its passages come from imported documents, which are
        // public by design, so the shared sending path is what can carry raw-derived text, and a2q drives it.
        [typeof(Extraction.ExtractRunHandler)] = A2qRunAsync,
        [typeof(Extraction.ClassifyRunHandler)] = ClassifyRunAsync,
        [typeof(Extraction.ClassifyWork)] = ClassifyRunAsync,
    };

    public static TheoryData<string> SendingPaths() => new(RawDerivedDrives.Keys.Select(t => t.Name));

    [Fact]
    public void Every_sending_path_is_listed()
    {
        var senders = new[] { typeof(ChatEndpointClient), typeof(LlmGateway) };
        var found = typeof(ChatEndpointClient).Assembly.GetTypes()
            .Where(t => t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                .Any(c => c.GetParameters().Any(p => senders.Contains(p.ParameterType))))
            .Append(typeof(ChatEndpointClient))
            .Select(t => t.FullName!).Order().ToList();

        Assert.Equal(RawDerivedDrives.Keys.Select(t => t.FullName!).Order().ToList(), found);
    }

    [Theory]
    [MemberData(nameof(SendingPaths))]
    public async Task Raw_derived_text_is_refused_before_any_byte_reaches_an_external_synthesizer(string path)
    {
        await using var h = await PipelineHarness.StartAsync(settings: External);
        var drive = RawDerivedDrives.Single(d => d.Key.Name == path).Value;

        var told = await drive(h);

        Assert.Contains(RefusalText, told, StringComparison.Ordinal);
        Assert.Contains("'sim'", told, StringComparison.Ordinal);
        Assert.Equal(0, await StatsRequestsAsync(h));
        await using var db = await h.Db.CreateDbContextAsync();
        Assert.Empty(db.LlmResponses);
    }

    [Theory]
    [InlineData(RequestProvenance.Public)]
    [InlineData(RequestProvenance.Desensitized)]
    public async Task Public_and_desensitized_text_pass_the_gate_of_the_client_and_the_gateway(RequestProvenance provenance)
    {
        await using var h = await PipelineHarness.StartAsync(settings: External);
        var (client, profile, endpoint) = await ClientAsync(h);

        var direct = await client.CompleteAsync(endpoint, profile, Request(provenance, "direct"), default);
        Assert.False(string.IsNullOrWhiteSpace(direct.Content));
        Assert.Equal(1, await StatsRequestsAsync(h));

        var gateway = h.Services.GetRequiredService<LlmGateway>();
        var viaGateway = await gateway.CompleteAsync(Request(provenance, "gateway"), default);
        Assert.False(viaGateway.FromStore);
        Assert.Equal(1, viaGateway.Attempts);
        Assert.Equal(2, await StatsRequestsAsync(h));
    }

    [Theory]
    [InlineData(RequestProvenance.Public)]
    [InlineData(RequestProvenance.Desensitized)]
    public async Task Public_and_desensitized_questions_reach_an_external_judge(RequestProvenance provenance)
    {
        const string reference = "收缩银行可贷资金，抑制信贷扩张和通胀";
        await using var h = await JudgeTestSupport.StartAsync(
            [JudgeTestSupport.ScriptLine(reference, """{"verdict":"correct","reason":"same effect"}""")], External);
        var judge = h.Services.GetRequiredService<AnswerJudge>();

        var outcome = await judge.JudgeAsync(new JudgeRequest("sim",
            new VerificationInput(reference, "答案：银行能放的贷款变少，信贷和物价降温", "央行为何上调存款准备金率？"), null, provenance), default);

        Assert.Equal(Verdict.Correct, outcome.Result.Verdict);
        Assert.Equal(1, await StatsRequestsAsync(h));
    }

    [Fact]
    public async Task The_connection_tester_sends_its_public_probe_and_public_questions_to_an_external_synthesizer()
    {
        await using var h = await PipelineHarness.StartAsync(settings: External);
        var tester = h.Services.GetRequiredService<SynthesizerTester>();
        var seeded = await AddQuestionAsync(h, QuestionOrigin.Q2A, parent: null, SeedQuestion);

        var probe = await tester.TestAsync("sim");
        var withQuestion = await tester.TestWithQuestionAsync("sim", seeded);

        Assert.True(probe.Ok, probe.Error);
        Assert.True(withQuestion.Ok, withQuestion.Error);
        Assert.Equal(2, await StatsRequestsAsync(h));
    }

    [Fact]
    public async Task An_internal_synthesizer_may_be_sent_raw_derived_text()
    {
        await using var h = await PipelineHarness.StartAsync();
        var raw = await AddQuestionAsync(h, QuestionOrigin.RealWorld, parent: null, RawQuery);

        var result = await h.Services.GetRequiredService<SynthesizerTester>().TestWithQuestionAsync("sim", raw);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(1, await StatsRequestsAsync(h));
    }

    // ---- the drives, one per sending path ----

    private static async Task<string> ClientDirectlyAsync(PipelineHarness h)
    {
        var (client, profile, endpoint) = await ClientAsync(h);
        var e = await Assert.ThrowsAsync<PrivacyGateException>(() => client.CompleteAsync(endpoint, profile, Request(RequestProvenance.RawDerived, "direct"), default));
        Assert.Equal("sim", e.Synthesizer);
        Assert.Equal("direct", e.Purpose);
        // An unset provenance is the zero value, and fails closed too.
        await Assert.ThrowsAsync<PrivacyGateException>(() => client.CompleteAsync(endpoint, profile, Request(default, "direct"), default));
        return e.Message;
    }

    private static async Task<string> GatewaySamplingAsync(PipelineHarness h)
    {
        // A question derived from a raw query, sampled as a run would: lineage → provenance → CotSampler → gateway.
        var raw = await AddQuestionAsync(h, QuestionOrigin.RealWorld, parent: null, RawQuery);
        var derived = await AddQuestionAsync(h, QuestionOrigin.A2Q, raw, "某客户房贷剩余本金86万元，提前还款30万元，月供减少多少？");
        Question question;
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            question = await db.Questions.AsNoTracking().SingleAsync(q => q.Id == derived);
        }
        var provenance = await h.Services.GetRequiredService<QuestionProvenance>().OfAsync(derived);
        var prompt = await h.Services.GetRequiredService<PromptLibrary>().GetAsync(PromptLibrary.CotSample, null, default);
        var request = h.Services.GetRequiredService<CotSampler>().BuildRequest(question, prompt, "sim", 0, "", provenance);
        var gateway = h.Services.GetRequiredService<LlmGateway>();
        var attempts = 0;
        gateway.AttemptMade += (_, n) => Interlocked.Add(ref attempts, n);

        var e = await Assert.ThrowsAsync<PrivacyGateException>(() => gateway.CompleteAsync(request, default));

        Assert.Equal(CotSampler.Purpose, e.Purpose);
        Assert.Equal(0, attempts);
        return e.Message;
    }

    private static async Task<string> JudgeAsync(PipelineHarness h)
    {
        var raw = await AddQuestionAsync(h, QuestionOrigin.RealWorld, parent: null, RawQuery);
        var provenance = await h.Services.GetRequiredService<QuestionProvenance>().OfAsync(raw);
        var judge = h.Services.GetRequiredService<AnswerJudge>();

        var outcome = await judge.JudgeAsync(new JudgeRequest("sim", new VerificationInput("月供约减少2500元", "答案：约少三千元", RawQuery), null, provenance), default);

        Assert.Equal(Verdict.Unverifiable, outcome.Result.Verdict);
        Assert.Equal(0, outcome.Attempts);
        Assert.Contains(AnswerJudge.Purpose, outcome.Result.Reason, StringComparison.Ordinal);
        return outcome.Result.Reason!;
    }

    private static async Task<string> ConnectionTesterAsync(PipelineHarness h)
    {
        var raw = await AddQuestionAsync(h, QuestionOrigin.RealWorld, parent: null, RawQuery);
        var derived = await AddQuestionAsync(h, QuestionOrigin.T2Q, raw, "提前还款后月供如何计算？");

        var result = await h.Services.GetRequiredService<SynthesizerTester>().TestWithQuestionAsync("sim", derived);

        Assert.False(result.Ok);
        Assert.Contains(SynthesizerTester.Purpose, result.Error, StringComparison.Ordinal);
        return result.Error!;
    }

    private static async Task<string> RunAsync(PipelineHarness h)
    {
        // The run's questions are Q2A questions whose parent is a raw real-world query: their own origin looks
        // harmless, so only the lineage walk can stop them.
        var source = await h.ImportSeedsAsync();
        var raw = await AddQuestionAsync(h, QuestionOrigin.RealWorld, parent: null, RawQuery);
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            foreach (var item in await db.SeedItems.Where(i => i.SeedSourceId == source).ToListAsync())
            {
                db.Questions.Add(new Question
                {
                    Origin = QuestionOrigin.Q2A, SeedItemId = item.Id, ParentQuestionId = raw, Text = item.Question,
                    ReferenceAnswer = item.Answer, Language = "zh", CreatedAt = DateTimeOffset.UtcNow,
                });
            }
            await db.SaveChangesAsync();
        }

        var run = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 2, Judge: "sim"));

        Assert.Equal(PipelineHarness.SeedLines.Length * 2, run.Failed);
        Assert.Equal(0, run.Done);
        Assert.Equal(0, run.Attempts);
        await using var check = await h.Db.CreateDbContextAsync();
        var reasons = await check.Traces.Where(t => t.RunId == run.Id).Select(t => t.FailureReason).Distinct().ToListAsync();
        return Assert.Single(reasons)!;
    }

    private static async Task<string> SynthesizeRunAsync(PipelineHarness h)
    {
        // A synthesize run over pool questions whose grandparent is a raw real-world query.
        var raw = await AddQuestionAsync(h, QuestionOrigin.RealWorld, parent: null, RawQuery);
        var child = await AddQuestionAsync(h, QuestionOrigin.A2Q, parent: raw, SeedQuestion);
        var grandchild = await AddQuestionAsync(h, QuestionOrigin.T2Q, parent: child, SeedQuestion + "（变体）");
        var spec = JsonSerializer.SerializeToElement(new { filter = new { questionIds = new[] { child, grandchild } }, samplesPerQuestion = 1 });
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(new RunLaunch("synthesize", "sim", spec), "test"));

        Assert.Equal(2, run.Failed);
        Assert.Equal(0, run.Attempts);
        await using var check = await h.Db.CreateDbContextAsync();
        var reasons = await check.Traces.Where(t => t.RunId == run.Id).Select(t => t.FailureReason).Distinct().ToListAsync();
        return Assert.Single(reasons)!;
    }

    private static async Task<string> ScrRunAsync(PipelineHarness h)
    {
        // Self-correction of a failed answer to a question whose parent is a raw real-world query: the reflection
        // (which would carry the question and the reference) is refused before it is sent.
        var raw = await AddQuestionAsync(h, QuestionOrigin.RealWorld, parent: null, RawQuery);
        var child = await AddQuestionAsync(h, QuestionOrigin.A2Q, parent: raw, SeedQuestion);
        long traceId;
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            var question = await db.Questions.SingleAsync(q => q.Id == child);
            question.ReferenceAnswer = "2500元";
            var prompt = await db.PromptTemplates.FirstAsync();
            var source = new Run
            {
                Kind = "synthesize", Status = RunStatus.Completed, SynthesizerName = "sim", Model = "simulator", PromptTemplateId = prompt.Id,
                SamplingSalt = "", ParametersJson = "{}", CreatedAt = DateTimeOffset.UtcNow,
            };
            db.Runs.Add(source);
            await db.SaveChangesAsync();
            var trace = new CotTrace
            {
                RunId = source.Id, QuestionId = child, Status = TraceStatus.Succeeded, Reasoning = "先算利息……", Answer = "答案：3000元",
                Verdict = Verdict.Incorrect, RequestHash = "earlier", SynthesizerName = "sim", Model = "simulator", CreatedAt = DateTimeOffset.UtcNow,
            };
            db.Traces.Add(trace);
            await db.SaveChangesAsync();
            traceId = trace.Id;
        }
        var spec = JsonSerializer.SerializeToElement(new { traceIds = new[] { traceId }, maxRounds = 2 });
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(new RunLaunch("scr", "sim", spec), "test"));

        Assert.Equal(1, run.Failed);
        Assert.Equal(0, run.Attempts);
        await using var check = await h.Db.CreateDbContextAsync();
        Assert.Empty(check.Reviews);
        var failed = await check.Traces.SingleAsync(t => t.RunId == run.Id);
        Assert.Equal(TraceStatus.Failed, failed.Status);
        Assert.Contains(Core.Rewriting.ScrWork.ReflectPurpose, failed.FailureReason, StringComparison.Ordinal);
        return failed.FailureReason!;
    }

    /// <summary>A verified question whose parent is a raw real-world query, with its correct trace; returns (question, trace).</summary>
    private static async Task<(long Question, long Trace)> VerifiedRawChildAsync(PipelineHarness h)
    {
        var raw = await AddQuestionAsync(h, QuestionOrigin.RealWorld, parent: null, RawQuery);
        var child = await AddQuestionAsync(h, QuestionOrigin.Q2A, parent: raw, SeedQuestion);
        await using var db = await h.Db.CreateDbContextAsync();
        var question = await db.Questions.SingleAsync(q => q.Id == child);
        question.ReferenceAnswer = "3000";
        var prompt = await db.PromptTemplates.FirstAsync();
        var source = new Run
        {
            Kind = "synthesize", Status = RunStatus.Completed, SynthesizerName = "sim", Model = "simulator", PromptTemplateId = prompt.Id,
            SamplingSalt = "", ParametersJson = "{}", CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(source);
        await db.SaveChangesAsync();
        var trace = new CotTrace
        {
            RunId = source.Id, QuestionId = child, Status = TraceStatus.Succeeded, Reasoning = "先算利息……", Answer = "答案：3000",
            Verdict = Verdict.Correct, RequestHash = "earlier", SynthesizerName = "sim", Model = "simulator", CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Traces.Add(trace);
        await db.SaveChangesAsync();
        return (child, trace.Id);
    }

    private static async Task<string> DerivedRunAsync(PipelineHarness h, string kind, object spec)
    {
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(new RunLaunch(kind, "sim", JsonSerializer.SerializeToElement(spec)), "test"));
        Assert.Equal(1, run.Failed);
        Assert.Equal(0, run.Attempts);
        await using var check = await h.Db.CreateDbContextAsync();
        Assert.Equal(0, await check.DerivedCandidates.CountAsync());
        return (await check.RunItems.SingleAsync(i => i.RunId == run.Id)).Error!;
    }

    private static async Task<string> A2qRunAsync(PipelineHarness h)
    {
        var (question, _) = await VerifiedRawChildAsync(h);
        return await DerivedRunAsync(h, "a2q", new { questionIds = new[] { question } });
    }

    private static async Task<string> T2qRunAsync(PipelineHarness h)
    {
        var (_, trace) = await VerifiedRawChildAsync(h);
        return await DerivedRunAsync(h, "t2q", new { traceIds = new[] { trace } });
    }

    private static async Task<string> ClassifyRunAsync(PipelineHarness h)
    {
        // A question the rules cannot label, so the classifier would be asked; its parent is a raw real-world query.
        var raw = await AddQuestionAsync(h, QuestionOrigin.RealWorld, parent: null, RawQuery);
        var child = await AddQuestionAsync(h, QuestionOrigin.Q2A, raw, "请解释为什么央行降准会增加市场流动性。");
        return await DerivedRunAsync(h, "classify", new { questionIds = new[] { child }, undecidedOnly = false });
    }

    // ---- helpers ----

    private static LlmRequest Request(RequestProvenance provenance, string purpose) =>
        new("sim", [Core.Llm.ChatMessage.User(SeedQuestion)], 0, purpose, purpose, provenance);

    private static async Task<(ChatEndpointClient Client, SynthesizerProfile Profile, Uri Endpoint)> ClientAsync(PipelineHarness h)
    {
        var catalog = h.Services.GetRequiredService<SynthesizerCatalog>();
        var profile = (await catalog.FindAsync("sim"))!;
        Assert.True(profile.External);
        return (h.Services.GetRequiredService<ChatEndpointClient>(), profile, catalog.ResolveEndpoint(profile));
    }

    private static async Task<long> AddQuestionAsync(PipelineHarness h, QuestionOrigin origin, long? parent, string text)
    {
        await using var db = await h.Db.CreateDbContextAsync();
        var q = new Question { Origin = origin, ParentQuestionId = parent, Text = text, Language = "zh", CreatedAt = DateTimeOffset.UtcNow };
        db.Questions.Add(q);
        await db.SaveChangesAsync();
        return q.Id;
    }

    /// <summary>What the simulator itself says it received, asked over HTTP like any client would.</summary>
    private static async Task<long> StatsRequestsAsync(PipelineHarness h)
    {
        using var http = new HttpClient();
        var stats = await http.GetFromJsonAsync<JsonElement>(new Uri(h.Simulator.BaseUrl, "stats"));
        return stats.GetProperty("requests").GetInt64();
    }
}
