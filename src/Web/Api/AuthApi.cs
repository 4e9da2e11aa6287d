using DeepFinance.Web.Data;
using DeepFinance.Web.Security;
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
    /// <summary>
    /// The one answer to every refused sign-in — wrong password, unknown email, disabled account, a device held back
    /// by the backoff — so a caller learns nothing about the account from it.
    /// </summary>
    public const string RefusedDetail = "Wrong email or password, or the account may not sign in now.";

    private static readonly Lazy<string> DecoyHash = new(() =>
        new PasswordHasher<ApplicationUser>().HashPassword(new ApplicationUser(), Guid.NewGuid().ToString("N")));

    public static RouteGroupBuilder MapAuthApi(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Auth").AllowAnonymous();
        auth.MapPost("/login", LoginAsync).WithSummary("Sign in; returns {accessToken, refreshToken, expiresIn}.");
        auth.MapPost("/refresh", RefreshAsync).WithSummary("Exchange a refresh token, once, for a new token pair.");
        return api;
    }

    public static ProblemHttpResult Refused() =>
        TypedResults.Problem(RefusedDetail, statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in refused");

    private static async Task<Results<SignInHttpResult, ProblemHttpResult>> LoginAsync(LoginRequest request, HttpContext http,
        SignInManager<ApplicationUser> signIn, SignInGuard guard, RefreshTokenStore tokens)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return TypedResults.Problem("Email and password are required.", statusCode: StatusCodes.Status400BadRequest);
        }
        var attempt = guard.Begin(http, request.Email);
        if (!attempt.Allowed)
        {
            guard.Failed(attempt);
            return Refused();
        }
        var user = await signIn.UserManager.FindByEmailAsync(request.Email.Trim());
        if (user is null)
        {
            // Hash anyway, so an unknown email takes as long as a wrong password.
            signIn.UserManager.PasswordHasher.VerifyHashedPassword(new ApplicationUser(), DecoyHash.Value, request.Password);
            guard.Failed(attempt);
            return Refused();
        }
        // Checks disabled (locked out for ever) and not-allowed accounts before the password; counts nothing towards
        // Identity's lockout, which would let anyone lock the owner out.
        var result = await signIn.CheckPasswordSignInAsync(user, request.Password, lockoutOnFailure: false);
        if (!result.Succeeded)
        {
            guard.Failed(attempt);
            return Refused();
        }
        guard.Succeeded(attempt, http);
        if (await signIn.UserManager.GetTwoFactorEnabledAsync(user))
        {
            // The password was right, so saying why reveals nothing; a token must not skip the second factor.
            return TypedResults.Problem("This account signs in with a second factor, which the API does not support; use the sign-in page.",
                statusCode: StatusCodes.Status401Unauthorized, title: "Two-factor sign-in required");
        }
        var principal = await signIn.CreateUserPrincipalAsync(user);
        await tokens.IssueAsync(principal, user.Id, ct: http.RequestAborted);
        // The bearer handler writes {tokenType, accessToken, expiresIn, refreshToken}.
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    private static async Task<Results<SignInHttpResult, UnauthorizedHttpResult>> RefreshAsync(RefreshRequest request, HttpContext http,
        SignInManager<ApplicationUser> signIn, IOptionsMonitor<BearerTokenOptions> options, SessionValidator sessions,
        RefreshTokenStore tokens, TimeProvider time)
    {
        var protector = options.Get(IdentityConstants.BearerScheme).RefreshTokenProtector;
        var ticket = string.IsNullOrEmpty(request.RefreshToken) ? null : protector.Unprotect(request.RefreshToken);
        if (ticket?.Properties.ExpiresUtc is not { } expires || time.GetUtcNow() >= expires
            || !await sessions.IsCurrentAsync(ticket.Principal, http.RequestAborted)
            || await signIn.UserManager.GetUserAsync(ticket.Principal) is not { } user)
        {
            return TypedResults.Unauthorized();
        }
        var (outcome, family) = await tokens.SpendAsync(ticket.Principal, http.RequestAborted);
        if (outcome != RefreshOutcome.Rotated)
        {
            return TypedResults.Unauthorized();
        }
        var principal = await signIn.CreateUserPrincipalAsync(user);
        await tokens.IssueAsync(principal, user.Id, family, http.RequestAborted);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }
}
