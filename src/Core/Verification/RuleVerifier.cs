namespace DeepFinance.Core.Verification;

// TEMPORARY stub until the verify branch merges.
public sealed class RuleVerifier
{
    public VerificationResult Verify(VerificationInput input, VerificationTolerances? tolerances = null) =>
        new(Verdict.Unverifiable, null, "none", "stub");
}
