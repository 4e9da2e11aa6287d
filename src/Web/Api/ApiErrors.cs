using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace DeepFinance.Web.Api;

/// <summary>
/// Every error under <c>/api</c> is ProblemDetails JSON: a parameter that does not bind (<c>descending=yes</c>,
/// <c>from=notadate</c>) names the parameter, a body over the limit says 413, an unexpected failure is a 500 that
/// tells nothing of its cause, and a bare 401/403/404/405 gets a body too. People still get the HTML error pages.
/// </summary>
public static partial class ApiErrors
{
    /// <summary>Binding failures are thrown (not answered with an empty 400), so the handler below can describe them.</summary>
    public static WebApplicationBuilder AddApiErrors(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return builder;
    }

    public static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api");

    /// <summary>Registered after the pages' exception handler, so it is the inner one for API requests.</summary>
    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder app) => app.UseWhen(IsApi, api =>
    {
        api.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = WriteExceptionAsync,
            // A caller's unparseable parameter or oversized body is their error, not the server's: no error log for it.
            SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException,
        });
        api.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            await Problem(http.Response.StatusCode, Title(http.Response.StatusCode), null, null).ExecuteAsync(http);
        });
    });

    private static async Task WriteExceptionAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is BadHttpRequestException bad)
        {
            var field = ParameterName().Match(bad.Message) is { Success: true } m ? m.Groups["name"].Value : null;
            var detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "The request body is larger than this route accepts (DeepFinance:Limits:MaxBodyBytes)."
                : bad.Message;
            await Problem(bad.StatusCode, Title(bad.StatusCode), detail, field).ExecuteAsync(context);
            return;
        }
        // The cause stays in the server log; the caller learns only that it was not their fault.
        await Problem(StatusCodes.Status500InternalServerError, Title(500),
            "The server failed to answer this request. The error is logged; try again or tell an Admin.", null).ExecuteAsync(context);
    }

    private static IResult Problem(int status, string title, string? detail, string? field) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title,
            extensions: field is null ? null : new Dictionary<string, object?>
            {
                ["errors"] = new[] { new { field, message = detail } },
            });

    private static string Title(int status) => status switch
    {
        400 => "Bad request",
        401 => "Sign-in required",
        403 => "Not allowed for your roles",
        404 => "Not found",
        405 => "Method not allowed",
        413 => "Request body too large",
        415 => "Unsupported media type",
        _ when status >= 500 => "Server error",
        _ => "Request refused",
    };

    // "Failed to bind parameter "bool descending" from "yes"." → descending
    [GeneratedRegex("parameter \"(?:[^\"]* )?(?<name>[^\" ]+)\"")]
    private static partial Regex ParameterName();
}
