using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Security;

/// <summary>
/// Identity's bearer tokens are self-contained: once issued they were accepted for their whole hour, whatever happened
/// to the user. This scheme reads them through Identity's handler and then asks <see cref="SessionValidator"/>
/// whether the session still stands (stamp, disabled flag, token family).
/// </summary>
public sealed class SessionCheckedBearerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, SessionValidator sessions) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DeepFinance.Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var inner = await Context.AuthenticateAsync(IdentityConstants.BearerScheme);
        if (!inner.Succeeded)
        {
            return inner;
        }
        if (!await sessions.IsCurrentAsync(inner.Principal, Context.RequestAborted))
        {
            return AuthenticateResult.Fail("The session has ended (account disabled, password or roles changed, or token revoked).");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(inner.Principal, inner.Properties, Scheme.Name));
    }
}
