using DeepFinance.Web.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.E2E.Tests.Support;

/// <summary>
/// The built web app, in-process on real Kestrel at a loopback port (not <c>dotnet run</c>), with its own
/// SQLite data directory, Hangfire in memory and a known admin. Adapted from Web.Tests' DeepFinanceApp.
/// </summary>
public sealed class E2EApp : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@e2e.local";
    public const string Password = "E2e-Passw0rd!";

    public E2EApp()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "df-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        OracleFile = DataDirectory + "-oracle.jsonl";
        File.WriteAllText(OracleFile, SeedData.Jsonl);
        ScriptFile = DataDirectory + "-script.jsonl";
        File.WriteAllText(ScriptFile, HostileOutput.ScriptJsonl);
        UseKestrel(0);
        StartServer();
    }

    public string DataDirectory { get; }

    /// <summary>The simulator's oracle: the e2e seed questions with their answers.</summary>
    public string OracleFile { get; }

    /// <summary>The simulator's scripted answers: only the hostile-output probe question matches one.</summary>
    public string ScriptFile { get; }

    public Uri BaseAddress =>
        new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("DeepFinance:DataDirectory", DataDirectory);
        builder.UseSetting("DeepFinance:Hangfire:Storage", "Memory");
        builder.UseSetting("DeepFinance:Admin:Email", AdminEmail);
        builder.UseSetting("DeepFinance:Admin:Password", Password);
        builder.UseSetting("DeepFinance:Simulator:LatencyMedianMs", "0");
        builder.UseSetting("DeepFinance:Simulator:OracleFile", OracleFile);
        builder.UseSetting("DeepFinance:Simulator:ScriptFile", ScriptFile);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    /// <summary>Creates a confirmed user with the given roles (the app has no self-registration).</summary>
    public async Task CreateUserAsync(string email, params string[] roles)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, Password);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        var added = await users.AddToRolesAsync(user, roles);
        Assert.True(added.Succeeded, string.Join("; ", added.Errors.Select(e => e.Description)));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
            File.Delete(OracleFile);
            File.Delete(ScriptFile);
        }
    }
}
