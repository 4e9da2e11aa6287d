namespace DeepFinance.E2E.Tests.Support;

/// <summary>Where Debian's Chromium is, and whether a missing one skips (local) or fails (CI=true).</summary>
public static class Chromium
{
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static bool IsInstalled => File.Exists(ExecutablePath);

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The skip reason, or null when the tests must run (Chromium present, or CI where absence is a failure).</summary>
    public static string? SkipReason => IsInstalled || IsCi
        ? null
        : $"Chromium not found at {ExecutablePath}: install it (apt-get install chromium) or set CHROMIUM_PATH. Under CI=true this is a failure.";
}

/// <summary>A fact that is skipped, with the reason shown, when Chromium is absent outside CI.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that is skipped, with the reason shown, when Chromium is absent outside CI.</summary>
public sealed class BrowserTheoryAttribute : TheoryAttribute
{
    public BrowserTheoryAttribute()
    {
        if (Chromium.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
