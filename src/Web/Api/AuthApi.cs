using DeepFinance.Web.Data;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Api;

public sealed record LoginRequest(string Email, string Password);

public sealed record RefreshRequest(string RefreshToken);

/// <summary>Bearer tokens for scripts. There is no registration route: Admins create users.</summary>
public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Auth").AllowAnonymous();
        auth.MapPost("/login", LoginAsync).WithSummary("Sign in; returns {accessToken, refreshToken, expiresIn}.");
        auth.MapPost("/refresh", RefreshAsync).WithSummary("Exchange a refresh token for a new access token.");
        return api;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> LoginAsync(LoginRequest request, SignInManager<ApplicationUser> signIn,
        UserManager<ApplicationUser> users)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return TypedResults.Problem("Email and password are required.", statusCode: StatusCodes.Status400BadRequest);
        }
        signIn.AuthenticationScheme = IdentityConstants.BearerScheme;
        var result = await signIn.PasswordSignInAsync(request.Email.Trim(), request.Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            // The bearer handler has written {tokenType, accessToken, expiresIn, refreshToken}.
            return TypedResults.Empty;
        }
        // A disabled account is locked out until the end of time (UserAdministration.DisableAsync).
        var lockoutEnd = result.IsLockedOut && await users.FindByEmailAsync(request.Email.Trim()) is { } user ? await users.GetLockoutEndDateAsync(user) : null;
        var detail = lockoutEnd == DateTimeOffset.MaxValue ? "The account is disabled; ask an administrator."
            : result.IsLockedOut ? "The account is locked after repeated failures; try again later."
            : result.IsNotAllowed ? "The account may not sign in." : "Wrong email or password.";
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized);
    }

    private static async Task<Results<SignInHttpResult, UnauthorizedHttpResult>> RefreshAsync(
        RefreshRequest request, SignInManager<ApplicationUser> signIn, IOptionsMonitor<BearerTokenOptions> options, TimeProvider time)
    {
        var protector = options.Get(IdentityConstants.BearerScheme).RefreshTokenProtector;
        var ticket = protector.Unprotect(request.RefreshToken);
        if (ticket?.Properties.ExpiresUtc is not { } expires || time.GetUtcNow() >= expires
            || await signIn.ValidateSecurityStampAsync(ticket.Principal) is not { } user)
        {
            return TypedResults.Unauthorized();
        }
        var principal = await signIn.CreateUserPrincipalAsync(user);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }
}
