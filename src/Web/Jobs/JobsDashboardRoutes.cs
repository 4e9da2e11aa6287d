using DeepFinance.Web.Security;

namespace DeepFinance.Web.Jobs;

/// <summary>Routes beside the Hangfire dashboard that Hangfire itself gets wrong.</summary>
public static class JobsDashboardRoutes
{
    /// <summary>
    /// Hangfire's <c>/stats</c> is the dashboard's POST-only JSON poll, but Hangfire hands it every method, and reading
    /// a GET's form throws: a 500. A GET now gets 405 (same roles as the dashboard; strangers get 401 first).
    /// </summary>
    public static IEndpointConventionBuilder MapJobsDashboardGuards(this IEndpointRouteBuilder endpoints, string dashboardPath = "/hangfire") =>
        endpoints.MapGet(dashboardPath + "/stats", (HttpContext http) =>
            {
                http.Response.Headers.Allow = "POST";
                return Results.Problem("The job statistics are read with POST (the dashboard does this itself).", statusCode: StatusCodes.Status405MethodNotAllowed);
            })
            .RequireAuthorization(Policies.Operate)
            .ExcludeFromDescription();
}
