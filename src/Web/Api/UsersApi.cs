using System.Security.Claims;
using DeepFinance.Core.Data;
using DeepFinance.Web.Security;
using DeepFinance.Web.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

public sealed record UserDto(string Id, string Email, IReadOnlyList<string> Roles, bool Disabled, bool LockedOut);

public sealed record UserListDto(int Total, IReadOnlyList<UserDto> Items);

public sealed record CreateUserRequest(string? Email, string? Password, IReadOnlyList<string>? Roles);

public sealed record UserCreated(string Id);

public sealed record SetRolesRequest(IReadOnlyList<string>? Roles);

public sealed record SetPasswordRequest(string? Password);

/// <summary>
/// User provisioning for scripts (Admin only). Roles are accepted in any case and returned in lower case
/// (<c>admin</c>, <c>operator</c>, <c>expert</c>, <c>reviewer</c>). Refusals are ProblemDetails with <c>errors</c>.
/// </summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        users.MapGet("/", ListAsync).WithSummary("Users by email, paged: {total, items:[{id, email, roles, disabled, lockedOut}]}.");
        users.MapPost("/", CreateAsync).WithSummary("Create a user {email, password, roles}; returns {id}.");
        users.MapPut("/{id}/roles", SetRolesAsync).WithSummary("Replace a user's roles {roles:[…]}.");
        users.MapPost("/{id}/disable", DisableAsync).WithSummary("Disable a user: sign-in refused, sessions end. The last active admin cannot be disabled.");
        users.MapPost("/{id}/enable", EnableAsync).WithSummary("Enable a disabled user.");
        users.MapPost("/{id}/password", SetPasswordAsync).WithSummary("Set a new password {password}; the user's other sessions end.");
        return api;
    }

    private static async Task<Ok<UserListDto>> ListAsync(UserAdministration admin, ClaimsPrincipal user,
        int? page, int? pageSize, string? search, string? role, CancellationToken ct)
    {
        var result = await admin.ListAsync(user, new UserQuery(search, role, Paging.Page(page), Math.Clamp(pageSize ?? 50, 1, 500)), ct);
        return TypedResults.Ok(new UserListDto(result.Total, result.Items.Select(Dto).ToList()));
    }

    private static async Task<Results<Created<UserCreated>, ProblemHttpResult>> CreateAsync(
        CreateUserRequest request, UserAdministration admin, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await admin.CreateAsync(user, request.Email, request.Password, request.Roles, ct);
        return result.Succeeded
            ? TypedResults.Created($"/api/v1/users/{result.Id}", new UserCreated(result.Id!))
            : Problem(result, "The user was not created");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetRolesAsync(
        string id, SetRolesRequest request, UserAdministration admin, ClaimsPrincipal user, CancellationToken ct) =>
        Answer(await admin.SetRolesAsync(user, id, request.Roles, ct), "The roles were not changed");

    private static async Task<Results<NoContent, ProblemHttpResult>> DisableAsync(string id, UserAdministration admin, ClaimsPrincipal user, CancellationToken ct) =>
        Answer(await admin.DisableAsync(user, id, ct), "The user was not disabled");

    private static async Task<Results<NoContent, ProblemHttpResult>> EnableAsync(string id, UserAdministration admin, ClaimsPrincipal user, CancellationToken ct) =>
        Answer(await admin.EnableAsync(user, id, ct), "The user was not enabled");

    private static async Task<Results<NoContent, ProblemHttpResult>> SetPasswordAsync(
        string id, SetPasswordRequest request, UserAdministration admin, ClaimsPrincipal user, CancellationToken ct) =>
        Answer(await admin.ResetPasswordAsync(user, id, request.Password, ct), "The password was not changed");

    private static UserDto Dto(UserRow row) =>
        new(row.Id, row.Email, row.Roles.Select(r => r.ToLowerInvariant()).ToList(), row.Disabled, row.LockedOut);

    private static Results<NoContent, ProblemHttpResult> Answer(UserResult result, string title) =>
        result.Succeeded ? TypedResults.NoContent() : Problem(result, title);

    private static ProblemHttpResult Problem(UserResult result, string title) => TypedResults.Problem(
        detail: string.Join(" ", result.Errors.Select(e => e.Message)),
        statusCode: result.Outcome switch
        {
            UserOutcome.NotFound => StatusCodes.Status404NotFound,
            UserOutcome.Refused => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        },
        title: title,
        extensions: new Dictionary<string, object?>
        {
            ["errors"] = result.Errors.Select(e => new { code = e.Code, message = e.Message }).ToList(),
        });
}
