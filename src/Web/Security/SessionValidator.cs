using System.Security.Claims;
using DeepFinance.Web.Data;
using DeepFinance.Web.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Security;

/// <summary>Claims we add to a signed-in principal beside Identity's own.</summary>
public static class SessionClaims
{
    /// <summary>The refresh-token family a bearer token belongs to (absent on cookies).</summary>
    public const string Family = "df:family";

    /// <summary>The one refresh token issued with this principal.</summary>
    public const string RefreshToken = "df:refresh";
}

/// <summary>
/// The one rule deciding whether a session is still alive, for bearer tokens, cookies and open Blazor circuits alike:
/// the user exists, is not disabled, the principal's security stamp is the user's current one (a password reset,
/// role change or disable renews it), and a bearer token's family was not revoked. Answers are cached for
/// <see cref="AccessOptions.SessionCheckSeconds"/> so each request costs no database read; changes made in this
/// process drop the cached answer at once, other nodes see them when the cache entry expires.
/// </summary>
public sealed class SessionValidator(IServiceScopeFactory scopes, IMemoryCache cache, IOptions<AccessOptions> access,
    IOptions<IdentityOptions> identity)
{
    private sealed record UserState(string? Stamp, bool Active);

    private TimeSpan CacheFor => TimeSpan.FromSeconds(access.Value.SessionCheckSeconds);

    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken ct = default)
    {
        var claims = identity.Value.ClaimsIdentity;
        if (principal.FindFirstValue(claims.UserIdClaimType) is not { Length: > 0 } userId)
        {
            return false;
        }
        var stamp = principal.FindFirstValue(claims.SecurityStampClaimType);
        if (!cache.TryGetValue(UserKey(userId), out UserState? state) || !Accepts(state, stamp))
        {
            // Not cached, or cached but refusing: read the store, since a session that just renewed its own stamp
            // (the user changed their password) carries a newer stamp than the cache.
            state = await LoadUserAsync(userId, ct);
            cache.Set(UserKey(userId), state, CacheFor);
            if (!Accepts(state, stamp))
            {
                return false;
            }
        }
        if (principal.FindFirstValue(SessionClaims.Family) is { Length: > 0 } family)
        {
            var revoked = await cache.GetOrCreateAsync(FamilyKey(family), async entry =>
            {
                entry.AbsoluteExpirationRelativeToNow = CacheFor;
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
                return await db.RefreshTokens.AnyAsync(t => t.FamilyId == family && t.RevokedUtc != null, ct);
            });
            if (revoked)
            {
                return false;
            }
        }
        return true;
    }

    private static bool Accepts(UserState? state, string? stamp) => state is { Active: true } && state.Stamp == stamp;

    /// <summary>Drops what is cached about a user, so a change made here takes effect on the next request.</summary>
    public void Forget(string userId) => cache.Remove(UserKey(userId));

    public void ForgetFamily(string familyId) => cache.Remove(FamilyKey(familyId));

    private async Task<UserState?> LoadUserAsync(string userId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        return user is null ? null : new UserState(user.SecurityStamp, !UserAdministration.IsDisabled(user));
    }

    private static string UserKey(string userId) => "session-user:" + userId;

    private static string FamilyKey(string familyId) => "session-family:" + familyId;
}
