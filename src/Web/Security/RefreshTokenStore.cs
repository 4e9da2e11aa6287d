using System.Security.Claims;
using DeepFinance.Core.Audit;
using DeepFinance.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Security;

public enum RefreshOutcome
{
    Rotated,
    Unknown,
    Reused,
}

/// <summary>
/// Makes refresh tokens single-use. Each token's id and family travel as claims inside the (data-protected) token;
/// this table remembers which ids were handed out and which were spent. Exchanging a token spends it and issues the
/// next one of the family; presenting a spent token again revokes the family, which also ends its access tokens.
/// </summary>
public sealed class RefreshTokenStore(IServiceScopeFactory scopes, SessionValidator sessions, AuditLog audit, TimeProvider time,
    IOptions<AccessOptions> access, ILogger<RefreshTokenStore> log)
{
    /// <summary>Adds a new token's id (in a new family after a password sign-in) to the principal and records it.</summary>
    public async Task IssueAsync(ClaimsPrincipal principal, string userId, string? familyId = null, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var token = new RefreshToken
        {
            Id = Guid.NewGuid().ToString("N"),
            FamilyId = familyId ?? Guid.NewGuid().ToString("N"),
            UserId = userId,
            IssuedUtc = now,
            ExpiresUtc = now.AddDays(access.Value.RefreshTokenDays),
        };
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(SessionClaims.Family, token.FamilyId));
        identity.AddClaim(new Claim(SessionClaims.RefreshToken, token.Id));
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        db.RefreshTokens.Add(token);
        await db.SaveChangesAsync(ct);
        // Spent tokens are kept until they expire (to recognise reuse); then they are only clutter.
        await db.RefreshTokens.Where(t => t.ExpiresUtc < now).ExecuteDeleteAsync(ct);
    }

    /// <summary>Spends the refresh token the principal names. Only one caller can spend a token; any later one revokes its family.</summary>
    public async Task<(RefreshOutcome Outcome, string? FamilyId)> SpendAsync(ClaimsPrincipal presented, CancellationToken ct = default)
    {
        if (presented.FindFirstValue(SessionClaims.RefreshToken) is not { Length: > 0 } id)
        {
            return (RefreshOutcome.Unknown, null);
        }
        var now = time.GetUtcNow().UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var token = await db.RefreshTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
        if (token is null || token.ExpiresUtc <= now)
        {
            return (RefreshOutcome.Unknown, null);
        }
        if (token.RevokedUtc is not null)
        {
            return (RefreshOutcome.Reused, token.FamilyId);
        }
        // The condition on UsedUtc makes the spend atomic: of two concurrent exchanges only one updates the row.
        var spent = await db.RefreshTokens.Where(t => t.Id == id && t.UsedUtc == null && t.RevokedUtc == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedUtc, now), ct);
        if (spent == 1)
        {
            return (RefreshOutcome.Rotated, token.FamilyId);
        }
        await db.RefreshTokens.Where(t => t.FamilyId == token.FamilyId && t.RevokedUtc == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedUtc, now), ct);
        sessions.ForgetFamily(token.FamilyId);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == token.UserId).Select(u => u.Email).FirstOrDefaultAsync(ct);
        log.LogWarning("A spent refresh token was presented again; token family {Family} of user {UserId} is revoked.", token.FamilyId, token.UserId);
        await audit.WriteAsync("system", "session.refresh-token-reused", "user:" + (user ?? token.UserId), null, new { family = token.FamilyId }, ct);
        return (RefreshOutcome.Reused, token.FamilyId);
    }
}
