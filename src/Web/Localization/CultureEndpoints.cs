using DeepFinance.Web.Data;
using Microsoft.AspNetCore.Identity;

namespace DeepFinance.Web.Localization;

/// <summary><c>GET /culture/set?culture=zh-CN&amp;redirectUri=/path</c>: the language switcher's target.</summary>
public static class CultureEndpoints
{
    public const string SetPath = "/culture/set";

    public static IEndpointConventionBuilder MapCultureEndpoints(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(SetPath, SetAsync).AllowAnonymous().ExcludeFromDescription();

    /// <summary>The switcher's link (base-relative) for a culture, returning to <paramref name="redirectUri"/>.</summary>
    public static string Link(string culture, string redirectUri) =>
        $"{SetPath.TrimStart('/')}?culture={Uri.EscapeDataString(culture)}&redirectUri={Uri.EscapeDataString(redirectUri)}";

    /// <summary>Only paths on this site: "/x", never "//host", "/\host" or an absolute URL.</summary>
    public static bool IsLocalRedirect(string? uri) =>
        !string.IsNullOrEmpty(uri) && uri[0] == '/'
        && (uri.Length == 1 || (uri[1] != '/' && uri[1] != '\\'))
        && !uri.Any(char.IsControl);

    private static async Task<IResult> SetAsync(string? culture, string? redirectUri, HttpContext http, UserManager<ApplicationUser> users)
    {
        var supported = AppCultures.Normalize(culture);
        if (supported is null)
        {
            return Results.Text($"Unsupported culture; use one of: {string.Join(", ", AppCultures.Supported)}.", statusCode: StatusCodes.Status400BadRequest);
        }
        if (!IsLocalRedirect(redirectUri))
        {
            return Results.Text("redirectUri must be a path on this site.", statusCode: StatusCodes.Status400BadRequest);
        }
        AppCultures.WriteCookie(http.Response, supported);
        // Signed in: remember the choice, so the next sign-in (any browser) starts in this language.
        if (http.User.Identity?.IsAuthenticated == true && await users.GetUserAsync(http.User) is { } user
            && user.PreferredCulture != supported)
        {
            user.PreferredCulture = supported;
            await users.UpdateAsync(user);
        }
        return Results.LocalRedirect(redirectUri!);
    }
}
