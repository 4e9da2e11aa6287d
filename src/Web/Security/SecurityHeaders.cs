using System.Security.Cryptography;

namespace DeepFinance.Web.Security;

/// <summary>
/// Headers on every answer — pages, API, simulator, static files. Scripts only from this server, plus the one inline
/// block Blazor writes (its import map), which carries a fresh nonce per response; images only from this server (model
/// output can never make a browser call another host); no framing, no content-type sniffing, no referrer leaving.
/// Styles allow inline because MudBlazor sets style attributes; model output cannot, as the sanitizer drops them.
/// Over TLS, HSTS; with <c>DeepFinance:Https=true</c>, plain HTTP is redirected first. Plain-HTTP loopback is left alone.
/// </summary>
public static class SecurityHeaders
{
    public const string HttpsKey = "DeepFinance:Https";
    private const string NonceItem = "DeepFinance.CspNonce";

    public static string ContentSecurityPolicy(string nonce) =>
        "default-src 'self'; "
        + $"script-src 'self' 'nonce-{nonce}'; "
        + "style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>The nonce of this response's CSP, for the inline blocks the app itself writes (<c>&lt;ImportMap nonce=…&gt;</c>).</summary>
    public static string Nonce(HttpContext context) => context.Items[NonceItem] as string ?? "";

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        if (app.Configuration.GetValue(HttpsKey, false))
        {
            // The app calls its own simulator over the loopback address it listens on; that call is not redirected.
            app.UseWhen(ctx => !ctx.Request.Path.StartsWithSegments("/sim"), b => b.UseHttpsRedirection());
        }
        app.Use(async (context, next) =>
        {
            // Hex, not base64: a '+' or '/' would be HTML-encoded in the import map's attribute and no longer match the header byte for byte.
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            context.Items[NonceItem] = nonce;
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers["X-Content-Type-Options"] = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers["X-Frame-Options"] = "DENY";
                headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
                if (context.Request.IsHttps)
                {
                    headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
                }
                return Task.CompletedTask;
            });
            await next(context);
        });
        return app;
    }
}
