namespace DeepFinance.Web.Tests.TestSupport;

/// <summary>The app with one user per role, each holding that role only: the subjects of the access-table tests.</summary>
public sealed class RoleUsersApp : IAsyncLifetime, IDisposable
{
    public static readonly string[] Roles = ["Admin", "Operator", "Expert", "Reviewer"];
    public static readonly string[] Everyone = Roles;
    public static readonly string[] Operators = ["Admin", "Operator"];
    public static readonly string[] Admins = ["Admin"];
    public static readonly string[] Reviewers = ["Admin", "Reviewer"];

    public DeepFinanceApp Host { get; } = new();

    public static string UserOf(string role) => $"only-{role.ToLowerInvariant()}@test.local";

    public async Task InitializeAsync()
    {
        foreach (var role in Roles)
        {
            await Host.CreateUserAsync(UserOf(role), role);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Host.Dispose();
}
