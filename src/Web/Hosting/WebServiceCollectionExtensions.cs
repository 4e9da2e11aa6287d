using System.Text.Json;
using System.Text.Json.Serialization;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Runs;
using DeepFinance.LlmSim;
using DeepFinance.Web.Components.Account;
using DeepFinance.Web.Data;
using DeepFinance.Web.Jobs;
using DeepFinance.Web.Localization;
using DeepFinance.Web.Security;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Hangfire.Storage.SQLite;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MudBlazor.Services;

namespace DeepFinance.Web.Hosting;

public static class WebServiceCollectionExtensions
{
    public static readonly string[] Cultures = ["en", "zh-CN"];

    public const string SignedInScheme = "DeepFinance";

    /// <summary>Sign-in for people (cookies) and scripts (bearer tokens), roles, and one policy per area.</summary>
    public static WebApplicationBuilder AddAccess(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        services.AddSingleton<DeepFinance.Web.Users.UserAdministration>();
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SignedInScheme;
                o.DefaultChallengeScheme = SignedInScheme;
                o.DefaultForbidScheme = SignedInScheme;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            // A request carrying a bearer token is a script; anything else is a person with a cookie.
            // Choosing one scheme per request keeps the answers clean: 401/403 for scripts, a redirect for people.
            .AddPolicyScheme(SignedInScheme, "Cookie or bearer token", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? SessionCheckedBearerHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddBearerToken(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = TimeSpan.FromHours(1))
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/Account/Login";
            o.AccessDeniedPath = "/Account/AccessDenied";
            // API callers get status codes, not a redirect to the sign-in page.
            o.Events.OnRedirectToLogin = ctx => ApiAware(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status403Forbidden);
        });
        services.AddAuthorization(o =>
        {
            foreach (var (policy, roles) in Policies.RolesOf)
            {
                o.AddPolicy(policy, p => p.RequireRole(roles));
            }
        });

        var data = builder.Configuration.GetSection(DataOptions.SectionName).Get<DataOptions>() ?? new DataOptions();
        DataDirectoryFiles.CreateDirectory(data.FullDataDirectory);
        services.AddDbContext<ApplicationDbContext>(o => o.UseSqlite(DataServiceCollectionExtensions.SqliteConnectionString(data.SqlitePath("identity.db"))));
        services.AddIdentityCore<ApplicationUser>(o =>
            {
                o.SignIn.RequireConfirmedAccount = false;
                o.User.RequireUniqueEmail = true;
                // Password sign-in no longer locks accounts (SignInGuard's backoff spares known devices instead);
                // these apply only to two-factor codes, tried after the password was right.
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(10);
                o.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ApplicationDbContext>()
            .AddSignInManager<InitialAdminSignInManager>()
            .AddDefaultTokenProviders();
        services.AddSingleton<IEmailSender<ApplicationUser>, IdentityNoOpEmailSender>();
        // Keys persisted in the data directory: cookies and stored synthesizer keys survive a restart.
        DataProtectionSecretProtector.AddDeepFinanceDataProtection(services, data.FullDataDirectory, builder.Configuration);
        return builder.AddSessions();
    }

    private static Task ApiAware(HttpContext http, string redirect, int status)
    {
        // Machines (API, simulator, job dashboard) get a status code; people get the sign-in page.
        if (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/sim") || http.Request.Path.StartsWithSegments("/hangfire"))
        {
            http.Response.StatusCode = status;
        }
        else
        {
            http.Response.Redirect(redirect);
        }
        return Task.CompletedTask;
    }

    /// <summary>Hangfire storage and server: SQLite in the data directory by default, a short poll so runs start at once.</summary>
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var storageKind = builder.Configuration["DeepFinance:Hangfire:Storage"] ?? "Sqlite";
        var data = builder.Configuration.GetSection(DataOptions.SectionName).Get<DataOptions>() ?? new DataOptions();
        JobStorage storage = storageKind.ToLowerInvariant() switch
        {
            "sqlite" => new SQLiteStorage(DataDirectoryFiles.PrepareDatabase(data.SqlitePath("hangfire.db")), new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromSeconds(1) }),
            "memory" => new InMemoryStorage(),
            _ => throw new InvalidOperationException($"DeepFinance:Hangfire:Storage '{storageKind}' is not supported; use Sqlite (or Memory for test hosts)."),
        };
        // Registered in DI before AddHangfire so two hosts in one process never share Hangfire's static storage.
        services.AddSingleton(storage);
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire(c => c.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings());
        var role = builder.Configuration["DeepFinance:Node:Role"] ?? "All";
        if (!role.Equals("Ui", StringComparison.OrdinalIgnoreCase))
        {
            services.AddHangfireServer((sp, o) =>
            {
                o.Queues = [RunJobs.Queue, "default"];
                o.WorkerCount = builder.Configuration.GetValue("DeepFinance:Hangfire:WorkerCount", Math.Max(4, Environment.ProcessorCount * 4));
                o.SchedulePollingInterval = TimeSpan.FromSeconds(5);
            });
        }
        services.AddTransient<RunJobs>();
        services.AddSingleton<HangfireRunScheduler>();
        services.AddSingleton<IRunScheduler>(sp => sp.GetRequiredService<HangfireRunScheduler>());
        services.AddSingleton<DeepFinance.Core.Verification.IReverificationScheduler>(sp => sp.GetRequiredService<HangfireRunScheduler>());
        return builder;
    }

    /// <summary>REST API: JSON with lower-case enum strings, ProblemDetails, OpenAPI for /api only, body limits.</summary>
    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });
        services.AddProblemDetails();
        services.AddOpenApi(o => o.ShouldInclude = d => d.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true);
        // Every route is limited to a small body (DeepFinance:Limits:MaxBodyBytes, 1 MB by default); only the streaming
        // import raises it on its own endpoint. An anonymous caller can no longer make the server buffer a gigabyte.
        var limits = builder.Configuration.GetSection(DeepFinance.Core.Ingest.InputLimits.SectionName).Get<DeepFinance.Core.Ingest.InputLimits>()
            ?? new DeepFinance.Core.Ingest.InputLimits();
        services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = limits.MaxImportBytes);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = limits.MaxBodyBytes);
        services.AddHealthChecks();
        return builder;
    }

    public static WebApplicationBuilder AddUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = 1024 * 1024);
        builder.Services.AddMudServices();
        // Resources live under Resources/, one .resx pair (en, zh-CN) per component: Resources/Components/Pages/Operate/SeedSources.resx.
        builder.Services.AddDeepFinanceLocalization();
        return builder;
    }

    /// <summary>The simulator, mounted under /sim as the synthesizer <c>simulator</c>, answering from the demo corpus.</summary>
    public static WebApplicationBuilder AddSimulator(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SimulatorKey>();
        builder.Services.AddSingleton<ILocalServerAddress, LocalServerAddress>();
        if (SynthesizerCatalog.SimulatorEnabled(builder.Configuration))
        {
            var section = builder.Configuration.GetSection("DeepFinance:Simulator");
            builder.Services.AddLlmSimulator(o =>
            {
                section.Bind(o);
                o.OracleFile ??= FirstStart.DemoCorpusPath(builder.Configuration);
                // Mounted beside the app, the chat endpoint is no open door: it takes the simulator key (set at start-up).
                o.RequireApiKey = true;
                o.ApiKey = null;
            });
        }
        return builder;
    }
}
