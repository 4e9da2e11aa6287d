using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using DeepFinance.Web.Components.Account.Pages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Security;

/// <summary>
/// ASP.NET Core's rate limiter on the two sign-in routes (the API's <c>POST /api/v1/auth/login</c> and the
/// <c>/Account/Login</c> form): one budget per client address, and one per account for devices that have not signed in
/// to it before (a known device is held back only by its address's budget, so a flood against an account does not
/// keep its owner out). Over budget: 429 with <c>Retry-After</c>, ProblemDetails JSON for the API and a plain page for
/// people.
/// </summary>
public static class SignInLimits
{
    public const string ApiLoginPath = "/api/v1/auth/login";
    public const string PageLoginPath = "/Account/Login";

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int Segments = 6;

    /// <summary>What the limiter needs to know about a sign-in request, read before the endpoint runs.</summary>
    private sealed record Attempt(IPAddress? Client, string? Account, bool KnownDevice);

    public static IServiceCollection AddSignInLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Account first: a request the account's budget turns away then costs its client nothing. (A refused request
            // is tried twice by the middleware, once at once and once queued, so it spends the limiters before the refusing one twice.)
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => http.Items[typeof(Attempt)] is Attempt { Account: { } account, KnownDevice: false }
                    ? SlidingWindow("account:" + account, http, x => x.AccountAttemptsPerMinute)
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(http => http.Items[typeof(Attempt)] is Attempt a
                    ? SlidingWindow("client:" + a.Client, http, x => x.ClientAttemptsPerMinute)
                    : RateLimitPartition.GetNoLimiter("")));
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>Reads who is signing in (before the limiter, which cannot read a body itself), then applies the limits.</summary>
    public static IApplicationBuilder UseSignInLimits(this IApplicationBuilder app)
    {
        app.Use(async (http, next) =>
        {
            if (HttpMethods.IsPost(http.Request.Method)
                && (http.Request.Path.Equals(ApiLoginPath, StringComparison.OrdinalIgnoreCase)
                    || http.Request.Path.Equals(PageLoginPath, StringComparison.OrdinalIgnoreCase)))
            {
                var email = await ReadEmailAsync(http.Request);
                var guard = http.RequestServices.GetRequiredService<SignInGuard>();
                var account = string.IsNullOrWhiteSpace(email) ? null : guard.Normalize(email);
                http.Items[typeof(Attempt)] = new Attempt(http.Connection.RemoteIpAddress, account,
                    account is not null && guard.IsKnownDevice(http, account));
            }
            await next(http);
        });
        return app.UseRateLimiter();
    }

    private static RateLimitPartition<string> SlidingWindow(string key, HttpContext http, Func<AccessOptions, int> permits)
    {
        var limit = permits(http.RequestServices.GetRequiredService<IOptions<AccessOptions>>().Value);
        return RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = Window,
            SegmentsPerWindow = Segments,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>The email of a login form or JSON body; null when it cannot be read (then only the client budget applies).</summary>
    private static async Task<string?> ReadEmailAsync(HttpRequest request)
    {
        try
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
                return form["Input.Email"].FirstOrDefault();
            }
            if (request.HasJsonContentType())
            {
                // Buffered so the endpoint reads the same body again.
                request.EnableBuffering();
                using var json = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
                request.Body.Position = 0;
                // Named as the endpoint's binder would (case-insensitive).
                return json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.EnumerateObject().FirstOrDefault(p => p.Name.Equals("email", StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: JsonValueKind.String } email
                        ? email.Value.GetString()
                        : null;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or BadHttpRequestException)
        {
            if (request.Body.CanSeek)
            {
                request.Body.Position = 0;
            }
        }
        return null;
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero
            ? wait
            : Window / Segments;
        var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        if (http.Request.Path.StartsWithSegments("/api"))
        {
            await Results.Problem(
                    detail: $"Too many sign-in attempts; try again in {seconds} seconds.",
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many sign-in attempts")
                .ExecuteAsync(http);
            return;
        }
        var text = http.RequestServices.GetRequiredService<IStringLocalizer<Login>>();
        http.Response.ContentType = "text/html; charset=utf-8";
        var lang = CultureInfo.CurrentUICulture.Name;
        await http.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="{WebUtility.HtmlEncode(lang)}"><head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(text["Title"])} · DeepFinance</title></head>
            <body><h1>DeepFinance</h1>
            <p id="too-many-attempts">{WebUtility.HtmlEncode(text["TooManyAttempts", seconds])}</p>
            <p><a href="{PageLoginPath}">{WebUtility.HtmlEncode(text["BackToSignIn"])}</a></p>
            </body></html>
            """, ct);
    }
}
