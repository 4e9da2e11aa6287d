using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Web.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.TestSupport;

/// <summary>
/// The real web app on Kestrel at a loopback port (so the mounted simulator is called over HTTP),
/// with its own SQLite data directory and Hangfire in memory.
/// </summary>
public sealed class DeepFinanceApp : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@test.local";
    public const string Password = "Test-Passw0rd!";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IWebHostBuilder>? _configure;

    /// <param name="configure">Extra host set-up for one test (e.g. a log capturing provider).</param>
    public DeepFinanceApp(IDictionary<string, string?>? settings = null, Action<IWebHostBuilder>? configure = null)
    {
        _configure = configure;
        DataDirectory = Path.Combine(Path.GetTempPath(), "df-web-" + Guid.NewGuid().ToString("N")[..8]);
        _settings = new Dictionary<string, string?>
        {
            ["DeepFinance:DataDirectory"] = DataDirectory,
            ["DeepFinance:Hangfire:Storage"] = "Memory",
            ["DeepFinance:Admin:Email"] = AdminEmail,
            ["DeepFinance:Admin:Password"] = Password,
            ["DeepFinance:Simulator:LatencyMedianMs"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            // Every test signs in from loopback, often as the admin: the sign-in limits have their own tests.
            ["DeepFinance:Access:ClientAttemptsPerMinute"] = "100000",
            ["DeepFinance:Access:AccountAttemptsPerMinute"] = "100000",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            _settings[k] = v;
        }
        // Hangfire keeps the last host's logger factory in a static (LogProvider); once that host is disposed,
        // the next host's storage constructor throws ObjectDisposedException. Clear it before each start.
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
        UseKestrel(0);
        StartServer();
    }

    public string DataDirectory { get; }

    public Uri BaseAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (k, v) in _settings)
        {
            builder.UseSetting(k, v);
        }
        _configure?.Invoke(builder);
    }

    public HttpClient Anonymous() => new() { BaseAddress = BaseAddress };

    public async Task<HttpClient> SignedInAsync(string email = AdminEmail, string password = Password)
    {
        var client = Anonymous();
        var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task CreateUserAsync(string email, params string[] roles)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, Password);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        await users.AddToRolesAsync(user, roles);
    }

    public static MultipartFormDataContent Upload(string name, string fileName, byte[] content) => new()
    {
        { new StringContent(name), "name" },
        { new ByteArrayContent(content), "file", fileName },
    };

    public static async Task<JsonElement> WaitForRunAsync(HttpClient client, long runId, int seconds = 90)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            var run = await client.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}");
            if (run.GetProperty("status").GetString() is "completed" or "failed" or "cancelled")
            {
                return run;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"run {runId} did not finish in {seconds}s");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            // Hangfire keeps the host's ILoggerFactory in a static; a host started after this one is disposed
            // would log through the disposed factory (ObjectDisposedException in new InMemoryStorage()).
            Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
