using DeepFinance.Core.Data;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Verification;

/// <summary>The judge path against the simulator over loopback HTTP.</summary>
public sealed class AnswerJudgeTests
{
    private const string Question = "央行为何在经济过热时上调存款准备金率？";
    private const string Reference = "收缩银行可贷资金，抑制信贷扩张和通胀";
    private static readonly VerificationInput OpenInput = new(Reference, "分析……\n答案：减少商业银行可以放贷的资金，从而给信贷和物价降温", Question);

    private static VerificationRequest Judged(VerificationInput input, string? judge = "sim", bool raw = false) =>
        new(input, VerificationTolerances.Default, raw ? RequestProvenance.RawDerived : RequestProvenance.Public, judge);

    [Fact]
    public async Task Verdict_and_reason_are_parsed_and_a_second_verification_sends_nothing()
    {
        await using var h = await JudgeTestSupport.StartAsync(
            [JudgeTestSupport.ScriptLine(Reference, """{"verdict":"correct","reason":"同样指出可贷资金减少、信贷与通胀被抑制"}""")]);
        var verifier = h.Services.GetRequiredService<AnswerVerifier>();

        var first = await verifier.VerifyAsync(Judged(OpenInput), default);

        Assert.Equal(Verdict.Correct, first.Result.Verdict);
        Assert.Equal("judge", first.Result.Rule);
        Assert.Equal("同样指出可贷资金减少、信贷与通胀被抑制", first.Result.Reason);
        Assert.Equal("减少商业银行可以放贷的资金，从而给信贷和物价降温", first.Result.Extracted);
        Assert.NotNull(first.JudgePromptTemplateId);
        Assert.False(first.Judged!.Call!.FromStore);
        Assert.Equal(1, h.Simulator.Stats.Requests);

        var second = await verifier.VerifyAsync(Judged(OpenInput), default);

        Assert.Equal(first.Result, second.Result);
        Assert.True(second.Judged!.Call!.FromStore);
        Assert.Equal(0m, second.Cost);
        Assert.Equal(1, h.Simulator.Stats.Requests);
    }

    [Fact]
    public async Task The_judge_request_carries_question_reference_and_final_answer_and_asks_for_the_schema()
    {
        await using var h = await JudgeTestSupport.StartAsync([]);
        var judge = h.Services.GetRequiredService<AnswerJudge>();
        var prompt = await h.Services.GetRequiredService<Core.Prompts.PromptLibrary>().GetAsync("answer-judge", null);

        var request = judge.BuildRequest(new JudgeRequest("sim", OpenInput with { Response = "<think>内部推理 \"x\" < y</think>答案：减少可贷资金" }, "减少可贷资金", RequestProvenance.RawDerived), prompt);

        var user = request.Messages.Single(m => m.Role == "user").Content;
        Assert.Contains(Question, user, StringComparison.Ordinal);
        Assert.Contains(Reference, user, StringComparison.Ordinal);
        Assert.Contains("减少可贷资金", user, StringComparison.Ordinal);
        Assert.DoesNotContain("内部推理", user, StringComparison.Ordinal);
        Assert.Equal(AnswerJudge.Schema, request.JsonSchema);
        Assert.Equal(RequestProvenance.RawDerived, request.Provenance);
        Assert.Equal("judge", request.Purpose);
    }

    [Theory]
    [InlineData("this is not json {", "judge answer unreadable: ")]
    [InlineData("""{"verdict":"maybe","reason":"unsure"}""", "judge answer unreadable: verdict \"maybe\"")]
    [InlineData("""{"reason":"no verdict here"}""", "judge answer unreadable: no \"verdict\"")]
    [InlineData("""["correct"]""", "judge answer unreadable: expected a JSON object")]
    public async Task Malformed_or_off_schema_judge_output_is_unverifiable_with_a_reason(string content, string reasonStart)
    {
        await using var h = await JudgeTestSupport.StartAsync([JudgeTestSupport.ScriptLine(Reference, content)]);
        var verifier = h.Services.GetRequiredService<AnswerVerifier>();

        var outcome = await verifier.VerifyAsync(Judged(OpenInput), default);

        Assert.Equal(Verdict.Unverifiable, outcome.Result.Verdict);
        Assert.Equal("judge", outcome.Result.Rule);
        Assert.StartsWith(reasonStart, outcome.Result.Reason, StringComparison.Ordinal);
        Assert.True(h.Simulator.Stats.Requests >= 1);
    }

    [Fact]
    public async Task Without_a_judge_open_answers_stay_unverifiable_and_nothing_is_sent()
    {
        await using var h = await JudgeTestSupport.StartAsync([JudgeTestSupport.ScriptLine(Reference, """{"verdict":"correct","reason":"x"}""")]);
        var verifier = h.Services.GetRequiredService<AnswerVerifier>();

        var outcome = await verifier.VerifyAsync(Judged(OpenInput, judge: null), default);

        Assert.Equal(Verdict.Unverifiable, outcome.Result.Verdict);
        Assert.Equal("none", outcome.Result.Rule);
        Assert.Null(outcome.Judged);
        Assert.Equal(0, h.Simulator.Stats.Requests);
    }

    [Fact]
    public async Task Answers_the_rules_decide_never_reach_the_judge()
    {
        await using var h = await JudgeTestSupport.StartAsync([JudgeTestSupport.ScriptLine("30000", """{"verdict":"incorrect","reason":"x"}""")]);
        var verifier = h.Services.GetRequiredService<AnswerVerifier>();

        var outcome = await verifier.VerifyAsync(Judged(new VerificationInput("30000", "答案：3万元")), default);

        Assert.Equal(Verdict.Correct, outcome.Result.Verdict);
        Assert.Equal("number", outcome.Result.Rule);
        Assert.Equal(0, h.Simulator.Stats.Requests);
    }

    [Fact]
    public async Task A_judge_marked_external_is_never_sent_text_derived_from_a_raw_query()
    {
        await using var h = await JudgeTestSupport.StartAsync([JudgeTestSupport.ScriptLine(Reference, """{"verdict":"correct","reason":"x"}""")],
            new Dictionary<string, string?> { ["DeepFinance:Synthesizers:sim:External"] = "true" });
        var verifier = h.Services.GetRequiredService<AnswerVerifier>();

        var outcome = await verifier.VerifyAsync(Judged(OpenInput, raw: true), default);

        Assert.Equal(Verdict.Unverifiable, outcome.Result.Verdict);
        Assert.Equal("judge", outcome.Result.Rule);
        Assert.Contains("raw real-world query", outcome.Result.Reason, StringComparison.Ordinal);
        Assert.Equal(0, h.Simulator.Stats.Requests);
    }

    [Fact]
    public async Task A_broken_judge_answer_is_not_stored_so_a_fixed_judge_can_decide_later()
    {
        await using var h = await JudgeTestSupport.StartAsync([JudgeTestSupport.ScriptLine(Reference, "not json")]);
        var verifier = h.Services.GetRequiredService<AnswerVerifier>();

        await verifier.VerifyAsync(Judged(OpenInput), default);

        await using var db = await h.Db.CreateDbContextAsync();
        Assert.Equal(0, await db.LlmResponses.CountAsync());
        Assert.Equal(2, h.Simulator.Stats.Requests); // MaxAttempts = 2: both attempts were made and counted
    }

    [Theory]
    [InlineData("""{"verdict":"Correct","reason":" same "}""", Verdict.Correct, "same")]
    [InlineData("""{"verdict":"incorrect","reason":"wrong direction"}""", Verdict.Incorrect, "wrong direction")]
    public void Parse_reads_the_verdict(string json, Verdict expected, string reason)
    {
        Assert.True(AnswerJudge.Parse(json, out var verdict, out var why));
        Assert.Equal(expected, verdict);
        Assert.Equal(reason, why);
    }

    [Theory]
    [InlineData("""{"verdict":"correct"}""")]
    [InlineData("""{"verdict":"correct","reason":""}""")]
    [InlineData("""{"verdict":true,"reason":"x"}""")]
    [InlineData("""```json {"verdict":"correct"} ```""")]
    public void Parse_rejects_what_is_off_schema(string json)
    {
        Assert.False(AnswerJudge.Parse(json, out var verdict, out var why));
        Assert.Equal(Verdict.Unverifiable, verdict);
        Assert.False(string.IsNullOrWhiteSpace(why));
    }
}
