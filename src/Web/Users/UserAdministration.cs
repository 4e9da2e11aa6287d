using DeepFinance.Core.Data;
using System.Security.Claims;
using DeepFinance.Core.Audit;
using DeepFinance.Web.Data;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Web.Users;

/// <summary>One user as the admin pages and the API show it. Roles are the canonical names (Admin, Operator, …).</summary>
public sealed record UserRow(string Id, string Email, IReadOnlyList<string> Roles, bool Disabled, bool LockedOut);

public sealed record UserPage(int Total, IReadOnlyList<UserRow> Items);

/// <summary>Server-side list query: search in the email, one role, a page sorted by email.</summary>
public sealed record UserQuery(string? Search = null, string? Role = null, int Page = 1, int PageSize = 25, bool Descending = false);

/// <summary>
/// Why a change was refused. <see cref="Code"/> is stable (Identity's codes such as <c>PasswordTooShort</c>, or ours:
/// <see cref="UserErrors"/>); <see cref="Message"/> is plain English for scripts and logs.
/// </summary>
public sealed record UserError(string Code, string Message);

public enum UserOutcome
{
    Done,
    Invalid,
    NotFound,
    Refused,
}

public sealed record UserResult(UserOutcome Outcome, string? Id, IReadOnlyList<UserError> Errors)
{
    public bool Succeeded => Outcome == UserOutcome.Done;

    public static UserResult Done(string id) => new(UserOutcome.Done, id, []);

    public static UserResult Invalid(params UserError[] errors) => new(UserOutcome.Invalid, null, errors);

    public static UserResult Invalid(IdentityResult result) =>
        new(UserOutcome.Invalid, null, result.Errors.Select(e => new UserError(e.Code, e.Description)).ToList());

    public static UserResult NotFound(string id) => new(UserOutcome.NotFound, id, [new UserError(UserErrors.NotFound, $"There is no user with id '{id}'.")]);

    public static UserResult Refused(UserError error) => new(UserOutcome.Refused, null, [error]);
}

/// <summary>Our own error codes (Identity's codes pass through unchanged).</summary>
public static class UserErrors
{
    public const string EmailRequired = "EmailRequired";
    public const string PasswordRequired = "PasswordRequired";
    public const string UnknownRole = "UnknownRole";
    public const string NotFound = "NotFound";
    public const string LastAdmin = "LastAdmin";
}

/// <summary>
/// User management for Admins: list, create, roles, disable/enable, password reset. There is no self-registration:
/// this is the only place users are created after the first admin. Every change is written to the audit log with the
/// acting admin, and never with a password. Access is checked by the page or route policy and again here.
/// </summary>
/// <remarks>
/// Each call works in its own DI scope (its own UserManager and DbContext), so a long-lived Blazor circuit never sees
/// stale users and two grid requests never share a DbContext. Changes are serialized in this process so the
/// "last active admin" check cannot race with another change.
/// </remarks>
public sealed class UserAdministration(IServiceScopeFactory scopes, AuditLog audit, TimeProvider time, SessionValidator sessions)
{
    private static readonly SemaphoreSlim Changes = new(1, 1);

    /// <summary>The lockout end that marks a disabled account (as opposed to a temporary lockout after failures).</summary>
    public static readonly DateTimeOffset DisabledUntil = DateTimeOffset.MaxValue;

    public static bool IsDisabled(ApplicationUser user) => user.LockoutEnabled && user.LockoutEnd is { Year: >= 9999 };

    public async Task<UserPage> ListAsync(ClaimsPrincipal actor, UserQuery query, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var users = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var search = query.Search.Trim().ToUpperInvariant();
            users = users.Where(u => u.NormalizedEmail!.Contains(search));
        }
        if (!string.IsNullOrWhiteSpace(query.Role))
        {
            var role = (Roles.Normalize(query.Role) ?? query.Role.Trim()).ToUpperInvariant();
            var roleIds = db.Roles.Where(r => r.NormalizedName == role).Select(r => r.Id);
            users = users.Where(u => db.UserRoles.Any(ur => ur.UserId == u.Id && roleIds.Contains(ur.RoleId)));
        }
        var total = await users.CountAsync(ct);
        var size = Math.Clamp(query.PageSize, 1, 500);
        var ordered = query.Descending ? users.OrderByDescending(u => u.NormalizedEmail) : users.OrderBy(u => u.NormalizedEmail);
        var page = await ordered.ThenBy(u => u.Id).Skip(Paging.Offset(query.Page, size)).Take(size).ToListAsync(ct);
        var ids = page.Select(u => u.Id).ToList();
        var roles = await (from ur in db.UserRoles
                           join r in db.Roles on ur.RoleId equals r.Id
                           where ids.Contains(ur.UserId)
                           select new { ur.UserId, r.Name }).ToListAsync(ct);
        var now = time.GetUtcNow();
        var items = page.Select(u => Row(u, roles.Where(r => r.UserId == u.Id).Select(r => r.Name!), now)).ToList();
        return new UserPage(total, items);
    }

    public async Task<UserRow?> FindAsync(ClaimsPrincipal actor, string id, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await users.FindByIdAsync(id) is { } user ? Row(user, await users.GetRolesAsync(user), time.GetUtcNow()) : null;
    }

    public async Task<UserResult> CreateAsync(ClaimsPrincipal actor, string? email, string? password, IEnumerable<string>? roles, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        var errors = new List<UserError>();
        if (string.IsNullOrWhiteSpace(email))
        {
            errors.Add(new UserError(UserErrors.EmailRequired, "An email address is required."));
        }
        if (string.IsNullOrEmpty(password))
        {
            errors.Add(new UserError(UserErrors.PasswordRequired, "A password is required."));
        }
        var (canonical, unknown) = CanonicalRoles(roles);
        errors.AddRange(unknown);
        if (errors.Count > 0)
        {
            return UserResult.Invalid([.. errors]);
        }
        email = email!.Trim();
        await Changes.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, LockoutEnabled = true };
            var created = await users.CreateAsync(user, password!);
            if (!created.Succeeded)
            {
                return UserResult.Invalid(created);
            }
            if (canonical.Count > 0)
            {
                var added = await users.AddToRolesAsync(user, canonical);
                if (!added.Succeeded)
                {
                    await users.DeleteAsync(user);
                    return UserResult.Invalid(added);
                }
            }
            await audit.WriteAsync(ActorName(actor), "user.created", Subject(user), null, AuditState(canonical, false), ct);
            return UserResult.Done(user.Id);
        }
        finally
        {
            Changes.Release();
        }
    }

    public async Task<UserResult> SetRolesAsync(ClaimsPrincipal actor, string id, IEnumerable<string>? roles, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        var (canonical, unknown) = CanonicalRoles(roles);
        if (unknown.Count > 0)
        {
            return UserResult.Invalid([.. unknown]);
        }
        return await ChangeAsync(id, async (users, user) =>
        {
            var current = (await users.GetRolesAsync(user)).Select(r => Roles.Normalize(r) ?? r).ToList();
            var disabled = IsDisabled(user);
            if (current.Contains(Roles.Admin) && !canonical.Contains(Roles.Admin) && !disabled && await ActiveAdminCountAsync(users) <= 1)
            {
                return UserResult.Refused(new UserError(UserErrors.LastAdmin,
                    $"{user.Email} is the last active admin; make another user an admin before removing this one's Admin role."));
            }
            var removed = current.Except(canonical).ToList();
            var added = canonical.Except(current).ToList();
            if (removed.Count == 0 && added.Count == 0)
            {
                return UserResult.Done(user.Id);
            }
            var result = removed.Count > 0 ? await users.RemoveFromRolesAsync(user, removed) : IdentityResult.Success;
            if (result.Succeeded && added.Count > 0)
            {
                result = await users.AddToRolesAsync(user, added);
            }
            if (!result.Succeeded)
            {
                return UserResult.Invalid(result);
            }
            // Role claims live in the cookie and token: a new security stamp ends the sessions that hold the old roles.
            await users.UpdateSecurityStampAsync(user);
            sessions.Forget(user.Id);
            await audit.WriteAsync(ActorName(actor), "user.roles-changed", Subject(user),
                AuditState(Sorted(current), disabled), AuditState(canonical, disabled), ct);
            return UserResult.Done(user.Id);
        }, ct);
    }

    public Task<UserResult> DisableAsync(ClaimsPrincipal actor, string id, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        return ChangeAsync(id, async (users, user) =>
        {
            var roles = Sorted(await users.GetRolesAsync(user));
            if (IsDisabled(user))
            {
                return UserResult.Done(user.Id);
            }
            if (roles.Contains(Roles.Admin) && await ActiveAdminCountAsync(users) <= 1)
            {
                return UserResult.Refused(new UserError(UserErrors.LastAdmin,
                    $"{user.Email} is the last active admin and cannot be disabled; make another user an admin first."));
            }
            var result = await users.SetLockoutEnabledAsync(user, true);
            if (result.Succeeded)
            {
                result = await users.SetLockoutEndDateAsync(user, DisabledUntil);
            }
            if (result.Succeeded)
            {
                // Ends cookies, bearer tokens, open pages and refresh tokens at their next check.
                result = await users.UpdateSecurityStampAsync(user);
                sessions.Forget(user.Id);
            }
            if (!result.Succeeded)
            {
                return UserResult.Invalid(result);
            }
            await audit.WriteAsync(ActorName(actor), "user.disabled", Subject(user), AuditState(roles, false), AuditState(roles, true), ct);
            return UserResult.Done(user.Id);
        }, ct);
    }

    public Task<UserResult> EnableAsync(ClaimsPrincipal actor, string id, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        return ChangeAsync(id, async (users, user) =>
        {
            var roles = Sorted(await users.GetRolesAsync(user));
            if (!IsDisabled(user))
            {
                return UserResult.Done(user.Id);
            }
            var result = await users.SetLockoutEndDateAsync(user, null);
            if (result.Succeeded)
            {
                result = await users.ResetAccessFailedCountAsync(user);
            }
            if (!result.Succeeded)
            {
                return UserResult.Invalid(result);
            }
            await audit.WriteAsync(ActorName(actor), "user.enabled", Subject(user), AuditState(roles, true), AuditState(roles, false), ct);
            return UserResult.Done(user.Id);
        }, ct);
    }

    /// <summary>An admin sets a new password. The audit entry records that it happened, never the password.</summary>
    public Task<UserResult> ResetPasswordAsync(ClaimsPrincipal actor, string id, string? password, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        if (string.IsNullOrEmpty(password))
        {
            return Task.FromResult(UserResult.Invalid(new UserError(UserErrors.PasswordRequired, "A password is required.")));
        }
        return ChangeAsync(id, async (users, user) =>
        {
            // The reset token path validates the new password and renews the security stamp (other sessions end).
            var token = await users.GeneratePasswordResetTokenAsync(user);
            var result = await users.ResetPasswordAsync(user, token, password);
            if (!result.Succeeded)
            {
                return UserResult.Invalid(result);
            }
            sessions.Forget(user.Id);
            await audit.WriteAsync(ActorName(actor), "user.password-reset", Subject(user), ct: ct);
            return UserResult.Done(user.Id);
        }, ct);
    }

    /// <summary>Admins who can still sign in (not disabled).</summary>
    private static async Task<int> ActiveAdminCountAsync(UserManager<ApplicationUser> users) =>
        (await users.GetUsersInRoleAsync(Roles.Admin)).Count(u => !IsDisabled(u));

    private async Task<UserResult> ChangeAsync(string id, Func<UserManager<ApplicationUser>, ApplicationUser, Task<UserResult>> change, CancellationToken ct)
    {
        await Changes.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            return await users.FindByIdAsync(id) is { } user ? await change(users, user) : UserResult.NotFound(id);
        }
        finally
        {
            Changes.Release();
        }
    }

    private static void RequireAdmin(ClaimsPrincipal actor)
    {
        if (actor.Identity?.IsAuthenticated != true || !actor.IsInRole(Roles.Admin))
        {
            throw new UnauthorizedAccessException("Only an Admin can manage users.");
        }
    }

    private static string ActorName(ClaimsPrincipal actor) => actor.Identity?.Name ?? "unknown";

    private static string Subject(ApplicationUser user) => "user:" + (user.Email ?? user.UserName ?? user.Id);

    private static (List<string> Canonical, List<UserError> Unknown) CanonicalRoles(IEnumerable<string>? roles)
    {
        var canonical = new List<string>();
        var unknown = new List<UserError>();
        foreach (var role in roles ?? [])
        {
            if (Roles.Normalize(role ?? "") is { } name)
            {
                canonical.Add(name);
            }
            else
            {
                unknown.Add(new UserError(UserErrors.UnknownRole, $"'{role}' is not a role; use {string.Join(", ", Roles.All)}."));
            }
        }
        return (Sorted(canonical), unknown);
    }

    /// <summary>Roles in the order of <see cref="Roles.All"/>, without duplicates.</summary>
    private static List<string> Sorted(IEnumerable<string> roles)
    {
        var set = roles.Select(r => Roles.Normalize(r) ?? r).ToHashSet(StringComparer.Ordinal);
        return [.. Roles.All.Where(set.Contains), .. set.Except(Roles.All).Order(StringComparer.Ordinal)];
    }

    private static UserRow Row(ApplicationUser user, IEnumerable<string> roles, DateTimeOffset now)
    {
        var disabled = IsDisabled(user);
        return new UserRow(user.Id, user.Email ?? user.UserName ?? "", Sorted(roles), disabled,
            !disabled && user.LockoutEnd is { } end && end > now);
    }

    /// <summary>What the audit log records before and after a change: roles and whether the account is disabled.</summary>
    private static object AuditState(IReadOnlyList<string> roles, bool disabled) => new { roles, disabled };
}
