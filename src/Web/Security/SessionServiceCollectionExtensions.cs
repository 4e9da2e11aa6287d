using DeepFinance.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Security;

public static class SessionServiceCollectionExtensions
{
    /// <summary>
    /// Sessions that end when access is revoked (bearer tokens checked on every request, short cookie and circuit
    /// revalidation, single-use refresh tokens) and sign-in that cannot be turned against the owner (rate limits,
    /// device-aware backoff). Call after Identity and the authentication schemes are added.
    /// </summary>
    public static WebApplicationBuilder AddSessions(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AccessOptions>().Bind(builder.Configuration.GetSection(AccessOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddMemoryCache();
        services.AddSingleton<SessionValidator>();
        services.AddSingleton<RefreshTokenStore>();
        // The guard is a singleton (its failure counts live for the process) and normalizes emails as Identity does;
        // the normalizer holds no state, so one instance serves both (Identity registers it scoped only by default).
        services.AddSingleton<ILookupNormalizer, UpperInvariantLookupNormalizer>();
        services.AddSingleton<SignInGuard>();
        services.AddSignInLimits();

        new AuthenticationBuilder(services).AddScheme<AuthenticationSchemeOptions, SessionCheckedBearerHandler>(
            SessionCheckedBearerHandler.SchemeName, o =>
            {
                o.ForwardChallenge = IdentityConstants.BearerScheme;
                o.ForwardForbid = IdentityConstants.BearerScheme;
                o.ForwardSignIn = IdentityConstants.BearerScheme;
                o.ForwardSignOut = IdentityConstants.BearerScheme;
            });
        services.AddOptions<Microsoft.AspNetCore.Authentication.BearerToken.BearerTokenOptions>(IdentityConstants.BearerScheme)
            .Configure<IOptions<AccessOptions>>((o, access) => o.RefreshTokenExpiration = TimeSpan.FromDays(access.Value.RefreshTokenDays));

        // Identity's periodic check (which also refreshes claims) runs every few seconds instead of every 30 minutes.
        services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<IOptions<AccessOptions>>((o, access) => o.ValidationInterval = TimeSpan.FromSeconds(access.Value.SessionCheckSeconds));
        // Before it, on every request, the cached session check, which also refuses a disabled user whose stamp is unchanged.
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme).PostConfigure(o =>
        {
            var identityCheck = o.Events.OnValidatePrincipal;
            o.Events.OnValidatePrincipal = async context =>
            {
                var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionValidator>();
                if (context.Principal is null || !await sessions.IsCurrentAsync(context.Principal, context.HttpContext.RequestAborted))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                    return;
                }
                await identityCheck(context);
            };
        });
        return builder;
    }
}
