using Hangfire.Dashboard;

namespace DeepFinance.Web.Security;

/// <summary>The Hangfire dashboard is for Admins and Operators signed in with a cookie.</summary>
public sealed class RoleDashboardFilter(string[] roles) : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var user = context.GetHttpContext().User;
        return user.Identity?.IsAuthenticated == true && roles.Any(user.IsInRole);
    }
}
