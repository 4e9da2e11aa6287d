using Bunit;
using DeepFinance.Core.Data;
using DeepFinance.Web.Data;
using DeepFinance.Web.Security;
using DeepFinance.Web.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace DeepFinance.Web.Tests.Users;

/// <summary>
/// A bUnit context for the admin pages: a real Identity SQLite database and a real Core SQLite database (audit log)
/// in a temp folder, the real <see cref="UserAdministration"/>, localization from the app's resources, and an Admin signed in.
/// </summary>
public sealed class AdminUiHost : IAsyncDisposable
{
    public const string AdminEmail = "admin@test.local";
    public const string Password = "Test-Passw0rd!";

    private readonly string _directory;

    private AdminUiHost(string directory, BunitContext context)
    {
        _directory = directory;
        Context = context;
    }

    public BunitContext Context { get; }

    public IServiceProvider Services => Context.Services;

    /// <summary>Where inline MudDialogs render.</summary>
    public IRenderedComponent<MudDialogProvider> Dialogs { get; private set; } = default!;

    public static async Task<AdminUiHost> CreateAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "df-admin-ui-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var ctx = new BunitContext();
        var host = new AdminUiHost(directory, ctx);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DeepFinance:DataDirectory"] = directory,
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddSingleton<IConfiguration>(configuration);
        ctx.Services.AddLogging();
        ctx.Services.AddDeepFinanceCore(configuration);
        ctx.Services.AddDbContext<ApplicationDbContext>(o => o.UseSqlite(DataServiceCollectionExtensions.SqliteConnectionString(Path.Combine(directory, "identity.db"))));
        // The same store options as the app: EF caches the Identity model per process, so a different schema version
        // here would leave the app's hosts in this test run with a model that does not match their migrations.
        ctx.Services.AddIdentityCore<ApplicationUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ApplicationDbContext>()
            .AddDefaultTokenProviders();
        ctx.Services.AddDataProtection();
        ctx.Services.AddMemoryCache();
        ctx.Services.AddOptions<DeepFinance.Web.Security.AccessOptions>();
        ctx.Services.AddSingleton<DeepFinance.Web.Security.SessionValidator>();
        ctx.Services.AddSingleton<UserAdministration>();
        ctx.Services.AddLocalization(o => o.ResourcesPath = "Resources");
        ctx.Services.AddMudServices();
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized(AdminEmail);
        auth.SetRoles(Roles.Admin);
        auth.SetPolicies(Policies.Admin, Policies.Operate, Policies.Annotate, Policies.Review, Policies.Read);
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        await ctx.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        await using (var scope = ctx.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Database.MigrateAsync();
            var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            foreach (var role in Roles.All)
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }
        await host.AddUserAsync(AdminEmail, disabled: false, Roles.Admin);
        ctx.Render<MudPopoverProvider>();
        host.Dialogs = ctx.Render<MudDialogProvider>();
        return host;
    }

    /// <summary>A user written straight through Identity (no audit entry).</summary>
    public async Task AddUserAsync(string email, bool disabled, params string[] roles)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, Password);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        await users.AddToRolesAsync(user, roles);
        if (disabled)
        {
            await users.SetLockoutEndDateAsync(user, UserAdministration.DisabledUntil);
        }
    }

    public async Task<ApplicationUser?> FindUserAsync(string email)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email);
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
