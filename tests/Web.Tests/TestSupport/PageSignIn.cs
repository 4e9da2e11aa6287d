using System.Net;
using System.Text.RegularExpressions;

namespace DeepFinance.Web.Tests.TestSupport;

/// <summary>A person's browser without the browser: a cookie jar that signs in through the real /Account/Login form.</summary>
public static partial class PageSignIn
{
    public static HttpClient Browser(DeepFinanceApp app, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies ?? new CookieContainer() })
        {
            BaseAddress = app.BaseAddress,
        };

    /// <summary>Posts the sign-in form (with its antiforgery fields) and returns the answer as it came.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, IDictionary<string, string> values)
    {
        var page = await browser.GetStringAsync(path);
        // A signed-in page has more than one form (sign-out in the layout): take the one holding the fields we fill in.
        var form = Form().Matches(page).Select(m => m.Value).First(f => values.Keys.All(k => f.Contains($"name=\"{k}\"", StringComparison.Ordinal)));
        var fields = HiddenInput().Matches(form).ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        foreach (var (k, v) in values)
        {
            fields[k] = v;
        }
        return await browser.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    public static Task<HttpResponseMessage> TryAsync(HttpClient browser, string email, string password) =>
        PostFormAsync(browser, "/Account/Login", new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password });

    /// <summary>Signs in; the returned client then carries the Identity cookie (and the known-device cookie).</summary>
    public static async Task<HttpClient> SignedInAsync(DeepFinanceApp app, string email, string password = DeepFinanceApp.Password)
    {
        var browser = Browser(app);
        var response = await TryAsync(browser, email, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in as {email} gave {(int)response.StatusCode}");
        return browser;
    }

    /// <summary>The error the sign-in page shows, or null.</summary>
    public static string? ErrorOf(string html) =>
        AlertDiv().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups["text"].Value).Trim() : null;

    [GeneratedRegex("<input[^>]*type=\"hidden\"[^>]*name=\"(?<name>[^\"]+)\"[^>]*value=\"(?<value>[^\"]*)\"", RegexOptions.IgnoreCase)]
    private static partial Regex HiddenInput();

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Form();

    [GeneratedRegex("<div class=\"alert alert-danger\" role=\"alert\">(?<text>[^<]*)</div>")]
    private static partial Regex AlertDiv();
}
