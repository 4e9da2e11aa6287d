using DeepFinance.Core.Data;

namespace DeepFinance.Core.Release;

/// <summary>
/// The one place that says what may happen to a release: exported only when Ready (no open PII hit), changed only
/// while not Ready. The API, the pages and the CLI all ask here.
/// </summary>
public static class ReleaseRules
{
    public static bool CanExport(ReleaseStatus status) => status == ReleaseStatus.Ready;

    public static bool CanExport(Data.Release release)
    {
        ArgumentNullException.ThrowIfNull(release);
        return CanExport(release.Status);
    }

    /// <summary>Why a release cannot be exported, or null when it can.</summary>
    public static string? ExportRefusal(Data.Release release)
    {
        ArgumentNullException.ThrowIfNull(release);
        return release.Status switch
        {
            ReleaseStatus.Ready => null,
            ReleaseStatus.Blocked => $"Release {release.Version} is blocked: it has open PII hits; fix or waive each one before exporting.",
            _ => $"Release {release.Version} is a draft still being cut; it can be exported once it is Ready.",
        };
    }

    /// <summary>Frozen items and hits change only before a release is Ready; after that it is immutable.</summary>
    public static bool CanChange(ReleaseStatus status) => status != ReleaseStatus.Ready;

    /// <summary>The status a release has once cut or after a hit is resolved: Blocked while any hit is open.</summary>
    public static ReleaseStatus StatusFor(int openPiiHits) => openPiiHits > 0 ? ReleaseStatus.Blocked : ReleaseStatus.Ready;

    public const int MaxVersionChars = 64;
    public const int MaxTitleChars = 200;
    public const int MaxNotesChars = 4000;
    public const int MaxWaiverChars = 2000;

    /// <summary>Versions are short tokens people type in a CLI: letters, digits, dot, dash, underscore, plus.</summary>
    public static bool IsValidVersion(string version) =>
        version.Length is > 0 and <= MaxVersionChars && version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+');
}
