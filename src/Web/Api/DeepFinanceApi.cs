using DeepFinance.Web.Security;

namespace DeepFinance.Web.Api;

public static class DeepFinanceApi
{
    /// <summary>All of /api/v1: anonymous callers get 401, wrong roles 403, except sign-in.</summary>
    public static IEndpointRouteBuilder MapDeepFinanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization(Policies.Read);
        api.MapAuthApi().MapSeedSourcesApi().MapRunsApi().MapSynthesizersApi();
        api.MapUsersApi().MapAuditApi().MapReviewsApi();
        api.MapReleaseExportApi();
        api.MapReleasesApi();
        api.MapBenchmarksApi();
        api.MapQueriesApi();
        api.MapQuestionsApi();
        api.MapPromptsApi();
        api.MapDocumentsApi();
        api.MapQuestionClassificationApi();
        return app;
    }
}
