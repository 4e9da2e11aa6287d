using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;
using DeepFinance.Web.Security;

namespace DeepFinance.Web.Components.Account;

// An open page (a Blazor circuit) checks its session every few seconds (DeepFinance:Access:SessionCheckSeconds), with
// the same rule as cookies and bearer tokens: a disabled user, a new password or changed roles end it.
internal sealed class IdentityRevalidatingAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        SessionValidator sessions,
        IOptions<AccessOptions> access)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(access.Value.SessionCheckSeconds);

    protected override Task<bool> ValidateAuthenticationStateAsync(
        AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        sessions.IsCurrentAsync(authenticationState.User, cancellationToken);
}
