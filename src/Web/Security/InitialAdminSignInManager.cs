using DeepFinance.Core.Data;
using DeepFinance.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Security;

/// <summary>
/// Sign-in as usual (cookie and bearer alike), and once the first admin has signed in with the generated
/// password, its file (<see cref="InitialAdminFile"/>) is deleted: the password has done its job and should
/// not sit on disk.
/// </summary>
public sealed class InitialAdminSignInManager(
    UserManager<ApplicationUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ApplicationUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<ApplicationUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ApplicationUser> confirmation,
    IOptions<DataOptions> data)
    : SignInManager<ApplicationUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    // Both doors pass here: the sign-in form (PasswordSignInAsync checks the password through this method) and the
    // API's login, which checks the password itself and issues a bearer token.
    public override async Task<SignInResult> CheckPasswordSignInAsync(ApplicationUser user, string password, bool lockoutOnFailure)
    {
        var result = await base.CheckPasswordSignInAsync(user, password, lockoutOnFailure);
        var options = data.Value;
        if (result.Succeeded
            && InitialAdminFile.EmailIn(options) is { } email && string.Equals(email, user.Email, StringComparison.OrdinalIgnoreCase)
            && InitialAdminFile.Forget(options))
        {
            Logger.LogInformation("The first admin signed in; deleted {File}", InitialAdminFile.PathIn(options));
        }
        return result;
    }
}
