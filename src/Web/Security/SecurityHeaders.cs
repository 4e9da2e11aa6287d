namespace DeepFinance.Web.Security;

/// <summary>
/// Headers on every answer — pages, API, simulator, static files. Images only from this server (model output
/// can never make a browser call another host), no framing, no content-type sniffing, no referrer leaving.
/// Scripts are not restricted here yet: the import map Blazor writes inline needs a nonce first.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers["X-Content-Type-Options"] = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers["X-Frame-Options"] = "DENY";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            return Task.CompletedTask;
        });
        await next(context);
    });
}
