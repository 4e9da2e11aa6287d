using System.ComponentModel.DataAnnotations;

namespace DeepFinance.Web.Security;

/// <summary>
/// How fast revoked access takes effect and how sign-in is throttled (<c>DeepFinance:Access</c>).
/// Validated at start-up: a bad value stops the app with the key named.
/// </summary>
public sealed class AccessOptions
{
    public const string SectionName = "DeepFinance:Access";

    /// <summary>
    /// How long a session check (security stamp, disabled flag, token family) is cached, and how often cookies and open
    /// pages are validated again. A disabled user or a reset password ends every session within about this long.
    /// </summary>
    [Range(1, 60)]
    public int SessionCheckSeconds { get; set; } = 3;

    /// <summary>How long a refresh token can be exchanged (once) for a new token pair.</summary>
    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 14;

    /// <summary>Sign-in attempts (page and API, any outcome) one client address may make per minute.</summary>
    [Range(1, 100_000)]
    public int ClientAttemptsPerMinute { get; set; } = 60;

    /// <summary>Sign-in attempts on one account per minute from devices that have not signed in to it before.</summary>
    [Range(1, 100_000)]
    public int AccountAttemptsPerMinute { get; set; } = 20;

    /// <summary>Wrong passwords on one account from unknown devices before the backoff starts.</summary>
    [Range(1, 1000)]
    public int FreeFailures { get; set; } = 5;

    /// <summary>The first wait after <see cref="FreeFailures"/>; it doubles with every further failure.</summary>
    [Range(1, 3600)]
    public int BackoffBaseSeconds { get; set; } = 2;

    /// <summary>The longest wait the backoff reaches.</summary>
    [Range(1, 86_400)]
    public int BackoffMaxSeconds { get; set; } = 900;

    /// <summary>How long a browser or script that signed in successfully stays a known device for that account.</summary>
    [Range(1, 3650)]
    public int KnownDeviceDays { get; set; } = 180;
}
