using DeepFinance.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;

namespace DeepFinance.Web.Localization;

/// <summary>
/// <c>POST /culture/set</c> (form: <c>culture</c>, <c>redirectUri</c>, antiforgery token): the language switcher's target.
/// It changes saved state (the cookie, a signed-in user's preference), so it is a POST with antiforgery, never a GET a
/// link or an image on another site could trigger; a GET answers 405.
/// </summary>
public static class CultureEndpoints
{
    public const string SetPath = "/culture/set";

    public static IEndpointRouteBuilder MapCultureEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // The token is checked here rather than by the middleware, so a refusal says why instead of becoming the not-found page.
        endpoints.MapPost(SetPath, SetAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        // Said plainly, so an old bookmark or a forged link gets an answer, not the not-found page.
        endpoints.MapGet(SetPath, (HttpContext http) =>
        {
            http.Response.Headers.Allow = "POST";
            return Results.Text("The language is switched with the switcher in the app bar (a POST); this address changes nothing.",
                statusCode: StatusCodes.Status405MethodNotAllowed);
        }).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>The switcher's form action, base-relative.</summary>
    public static string Action => SetPath.TrimStart('/');

    /// <summary>Only paths on this site: "/x", never "//host", "/\host" or an absolute URL.</summary>
    public static bool IsLocalRedirect(string? uri) =>
        !string.IsNullOrEmpty(uri) && uri[0] == '/'
        && (uri.Length == 1 || (uri[1] != '/' && uri[1] != '\\'))
        && !uri.Any(char.IsControl);

    private static async Task<IResult> SetAsync([FromForm] string? culture, [FromForm] string? redirectUri, HttpContext http,
        UserManager<ApplicationUser> users, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.Text("The language switch needs the page's antiforgery token; reload the page and switch again.", statusCode: StatusCodes.Status400BadRequest);
        }
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
