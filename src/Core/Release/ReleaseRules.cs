using DeepFinance.Core.Data;

namespace DeepFinance.Core.Release;

/// <summary>The one place that says what may be done with a release in each status.</summary>
public static class ReleaseRules
{
    /// <summary>Only a Ready release leaves the building; the reason says why any other may not.</summary>
    public static (bool Allowed, string? Reason) CanExport(Data.Release release)
    {
        ArgumentNullException.ThrowIfNull(release);
        return release.Status switch
        {
            ReleaseStatus.Ready => (true, null),
            ReleaseStatus.Blocked => (false, $"Release {release.Version} is blocked: its PII scan has open hits; fix or waive each one before exporting."),
            _ => (false, $"Release {release.Version} is a draft: freeze it (and clear its PII scan) before exporting."),
        };
    }
}
