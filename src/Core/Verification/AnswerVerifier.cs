using DeepFinance.Core.Privacy;

namespace DeepFinance.Core.Verification;

/// <summary>What to verify and how: one response against its reference.</summary>
/// <param name="Provenance">The provenance of the question's lineage, passed to the judge's call (privacy gate).</param>
/// <param name="Judge">A judge synthesizer for what rules cannot decide; null for rules only.</param>
/// <param name="JudgePromptTemplateId">A pinned judge prompt version; the latest when null.</param>
public sealed record VerificationRequest(
    VerificationInput Input,
    VerificationTolerances Tolerances,
    RequestProvenance Provenance,
    string? Judge = null,
    long? JudgePromptTemplateId = null);

/// <summary>A verdict, and the judge call behind it when a judge decided (or tried to).</summary>
public sealed record VerificationOutcome(VerificationResult Result, JudgeOutcome? Judged)
{
    public int Attempts => Judged?.Attempts ?? 0;

    public decimal Cost => Judged?.Cost ?? 0m;

    /// <summary>The judge prompt version when a judge was asked.</summary>
    public long? JudgePromptTemplateId => Judged?.Prompt.Id;
}

/// <summary>
/// The one verifier the runs, re-verification and the CLI share: rules first; only when no rule applies
/// (rule "none") and a judge is named, the judge. Without a judge such answers stay unverifiable.
/// </summary>
public sealed class AnswerVerifier(RuleVerifier rules, AnswerJudge? judge = null)
{
    /// <summary>Rules only: synchronous, no I/O.</summary>
    public VerificationResult VerifyByRules(VerificationInput input, VerificationTolerances tolerances) => rules.Verify(input, tolerances);

    /// <summary>True when rules gave up on an open answer, so a judge may decide.</summary>
    public static bool NeedsJudge(VerificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Verdict == Verdict.Unverifiable && result.Rule == "none";
    }

    public async Task<VerificationOutcome> VerifyAsync(VerificationRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = rules.Verify(request.Input, request.Tolerances);
        if (!NeedsJudge(result) || string.IsNullOrWhiteSpace(request.Judge))
        {
            return new VerificationOutcome(result, null);
        }
        if (judge is null)
        {
            throw new InvalidOperationException("A judge was named but no AnswerJudge is available in this process.");
        }
        var judged = await judge.JudgeAsync(
            new JudgeRequest(request.Judge, request.Input, result.Extracted, request.Provenance, request.JudgePromptTemplateId), ct);
        return new VerificationOutcome(judged.Result, judged);
    }
}
