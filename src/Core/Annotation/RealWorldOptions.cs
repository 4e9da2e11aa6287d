using System.ComponentModel.DataAnnotations;

namespace DeepFinance.Core.Annotation;

/// <summary>How real-world queries are kept and shared out: retention of raw text and the overlap between experts.</summary>
public sealed class RealWorldOptions
{
    public const string SectionName = "DeepFinance:RealWorld";

    /// <summary>Days a query's raw text is kept after import; then it is erased automatically.</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 90;

    /// <summary>How many experts annotate each query (their agreement is measured; a disagreement goes to an Admin).</summary>
    [Range(1, 10)]
    public int ExpertsPerQuery { get; set; } = 2;

    /// <summary>Minutes between the retention sweeps that erase expired raw text.</summary>
    [Range(1, 24 * 60)]
    public int RetentionSweepMinutes { get; set; } = 60;
}

/// <summary>The people who may annotate: users holding the Expert role and not disabled. The web app answers it from its user store.</summary>
public interface IExpertDirectory
{
    Task<IReadOnlyList<string>> ExpertsAsync(CancellationToken ct = default);
}

/// <summary>Encrypts raw query text at rest (the web app: ASP.NET Data Protection under its own purpose).</summary>
public interface IRawTextProtector
{
    string Protect(string plaintext);

    string Unprotect(string protectedText);
}

/// <summary>Who is acting, as Core needs to know it: a name and the roles that decide raw-text access and adjudication.</summary>
public sealed record Actor(string Name, bool IsAdmin, bool IsExpert)
{
    public bool MayReadRaw => IsAdmin || IsExpert;

    public static Actor Of(System.Security.Claims.ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new Actor(user.Identity?.Name ?? "", user.IsInRole("Admin"), user.IsInRole("Expert"));
    }
}
