using DeepFinance.Web.Data;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace DeepFinance.Web.Localization;

public static class LocalizationServiceCollectionExtensions
{
    /// <summary>
    /// Resources under Resources/ (one .resx pair per component), MudBlazor's own strings from
    /// <see cref="MudBlazorTranslations"/>, and a signed-in person's remembered language applied at sign-in.
    /// </summary>
    public static IServiceCollection AddDeepFinanceLocalization(this IServiceCollection services)
    {
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.AddTransient<MudLocalizer, ResxMudLocalizer>();
        services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o =>
        {
            var previous = o.Events.OnSignedIn;
            o.Events.OnSignedIn = async ctx =>
            {
                await previous(ctx);
                await ApplyPreferredCultureAsync(ctx.HttpContext, ctx.Principal);
            };
        });
        return services;
    }

    /// <summary>At cookie sign-in (password, passkey, two-factor): the stored preference becomes the culture cookie.</summary>
    internal static async Task ApplyPreferredCultureAsync(HttpContext http, System.Security.Claims.ClaimsPrincipal? principal)
    {
        if (principal is null)
        {
            return;
        }
        var users = http.RequestServices.GetRequiredService<UserManager<ApplicationUser>>();
        if (await users.GetUserAsync(principal) is { PreferredCulture: { } preferred } && AppCultures.Normalize(preferred) is { } culture)
        {
            AppCultures.WriteCookie(http.Response, culture);
        }
    }

    private sealed class ResxMudLocalizer(IStringLocalizer<MudBlazorTranslations> localizer) : MudLocalizer
    {
        public override LocalizedString this[string key] => localizer[key];

        public override LocalizedString this[string key, params object[] arguments] => localizer[key, arguments];
    }
}
