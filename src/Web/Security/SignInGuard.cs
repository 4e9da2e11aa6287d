using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Security;

/// <summary>One sign-in attempt on one account, as the guard sees it before the password is checked.</summary>
public sealed record SignInAttempt(string Account, bool KnownDevice, bool Allowed);

/// <summary>
/// Wrong passwords slow down the devices that send them, not the account's owner. After
/// <see cref="AccessOptions.FreeFailures"/> failures from devices that never signed in to the account, such devices
/// must wait before the next try, twice as long after every further failure (up to
/// <see cref="AccessOptions.BackoffMaxSeconds"/>); while they wait, even the right password is refused with the usual
/// answer. A device that signed in successfully carries a cookie naming the account (signed and encrypted) and is not
/// held back, so an anonymous attacker cannot lock the owner out. State lives in memory, per node.
/// </summary>
public sealed class SignInGuard(IDataProtectionProvider protection, ILookupNormalizer normalizer, IOptions<AccessOptions> options,
    TimeProvider time)
{
    public const string DeviceCookie = "df.device";

    private const int MaxAccountsPerDevice = 5;
    private const int MaxTrackedAccounts = 50_000;

    private sealed record Failures(int Count, DateTimeOffset WaitUntil, DateTimeOffset Last);

    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);
    private readonly ITimeLimitedDataProtector _protector =
        protection.CreateProtector("DeepFinance.Security.KnownDevice.v1").ToTimeLimitedDataProtector();

    public string Normalize(string email) => normalizer.NormalizeEmail(email.Trim()) ?? "";

    public bool IsKnownDevice(HttpContext http, string account) => DeviceAccounts(http).Contains(account, StringComparer.Ordinal);

    public SignInAttempt Begin(HttpContext http, string email)
    {
        var account = Normalize(email);
        var known = IsKnownDevice(http, account);
        var waiting = !known && _failures.TryGetValue(account, out var f) && f.WaitUntil > time.GetUtcNow();
        return new SignInAttempt(account, known, !waiting);
    }

    /// <summary>A wrong password, or any try while the backoff holds: the wait grows.</summary>
    public void Failed(SignInAttempt attempt)
    {
        if (attempt.KnownDevice)
        {
            // The owner's own device mistyping; the per-client rate limit bounds it.
            return;
        }
        var o = options.Value;
        var now = time.GetUtcNow();
        _failures.AddOrUpdate(attempt.Account,
            _ => Next(0),
            (_, f) => Next(f.Count));
        if (_failures.Count > MaxTrackedAccounts)
        {
            Prune(now);
        }

        Failures Next(int previous)
        {
            var count = previous + 1;
            var beyond = count - o.FreeFailures;
            if (beyond < 0)
            {
                return new Failures(count, now, now);
            }
            var seconds = Math.Min(o.BackoffMaxSeconds, o.BackoffBaseSeconds * Math.Pow(2, Math.Min(beyond, 30)));
            return new Failures(count, now.AddSeconds(seconds), now);
        }
    }

    /// <summary>The right password: the account's backoff is cleared (only when the unknown device itself got it right) and the device is remembered.</summary>
    public void Succeeded(SignInAttempt attempt, HttpContext http)
    {
        if (!attempt.KnownDevice)
        {
            _failures.TryRemove(attempt.Account, out _);
        }
        var accounts = DeviceAccounts(http).Where(a => a != attempt.Account).Prepend(attempt.Account).Take(MaxAccountsPerDevice);
        var days = options.Value.KnownDeviceDays;
        var value = _protector.Protect(string.Join('\n', accounts), time.GetUtcNow().AddDays(days));
        http.Response.Cookies.Append(DeviceCookie, value, new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            IsEssential = true,
            MaxAge = TimeSpan.FromDays(days),
            Path = "/",
        });
    }

    private IReadOnlyList<string> DeviceAccounts(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(DeviceCookie, out var cookie) || string.IsNullOrEmpty(cookie))
        {
            return [];
        }
        try
        {
            return _protector.Unprotect(cookie).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Expired, forged or from another key ring: an unknown device.
            return [];
        }
    }

    private void Prune(DateTimeOffset now)
    {
        var forgetAfter = TimeSpan.FromSeconds(options.Value.BackoffMaxSeconds) * 2;
        foreach (var (account, f) in _failures)
        {
            if (now - f.Last > forgetAfter)
            {
                _failures.TryRemove(account, out _);
            }
        }
    }
}
