using System.Globalization;
using DeepFinance.Web.Hosting;
using Microsoft.AspNetCore.Localization;

namespace DeepFinance.Web.Localization;

/// <summary>The cultures the UI speaks and the cookie that carries a person's choice.</summary>
public static class AppCultures
{
    public static IReadOnlyList<string> Supported => WebServiceCollectionExtensions.Cultures;

    /// <summary>The supported culture name as spelled in <see cref="Supported"/>, or null.</summary>
    public static string? Normalize(string? culture) =>
        culture is null ? null : Supported.FirstOrDefault(c => string.Equals(c, culture, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the current UI culture is (a variant of) the given one.</summary>
    public static bool IsCurrent(string culture)
    {
        var current = CultureInfo.CurrentUICulture;
        return string.Equals(current.Name, culture, StringComparison.OrdinalIgnoreCase)
            || string.Equals(current.TwoLetterISOLanguageName, culture, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Writes ASP.NET Core's culture cookie (<c>.AspNetCore.Culture</c>) for a year.</summary>
    public static void WriteCookie(HttpResponse response, string culture)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions
            {
                Expires = DateTimeOffset.UtcNow.AddYears(1),
                IsEssential = true,
                HttpOnly = true,
                Path = "/",
                SameSite = SameSiteMode.Lax,
                Secure = response.HttpContext.Request.IsHttps,
            });
    }
}
