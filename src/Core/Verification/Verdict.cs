namespace DeepFinance.Core.Verification;

/// <summary>The outcome of comparing a response's final answer with a reference.</summary>
public enum Verdict
{
    Correct,
    Incorrect,
    Unverifiable,
}

/// <summary>What a verifier reads: the reference, the full model output, and optionally the question and options.</summary>
public sealed record VerificationInput(
    string Reference,
    string Response,
    string? Question = null,
    IReadOnlyList<string>? Options = null);

/// <summary>Tolerances for numeric comparison; configurable per run.</summary>
public sealed record VerificationTolerances(double RelativeTolerance = 0.005, bool RoundToReferencePrecision = true)
{
    public static VerificationTolerances Default { get; } = new();
}

/// <summary>A verdict with the answer that was extracted, the rule that decided and why.</summary>
public sealed record VerificationResult(Verdict Verdict, string? Extracted, string Rule, string Reason);
