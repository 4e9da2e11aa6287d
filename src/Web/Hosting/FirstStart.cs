using System.Security.Cryptography;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Web.Data;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Hosting;

/// <summary>
/// Brings a data directory to life before the server takes requests: databases migrated, roles and
/// the first admin created, prompts and synthesizers seeded, the demo corpus loaded once, and runs
/// interrupted by a stop handed back to the workers.
/// </summary>
public static class FirstStart
{
    public static async Task InitializeAsync(this WebApplication app, CancellationToken ct = default)
    {
        var services = app.Services;
        var data = services.GetRequiredService<IOptions<DataOptions>>().Value;
        DataDirectoryFiles.CreateDirectory(data.FullDataDirectory);
        // Files left readable by others (an older version, a copy, a restore) are made owner-only again.
        DataDirectoryFiles.TightenAll(data.FullDataDirectory, app.Logger);
        if (KeyRingProtection.ModeOf(app.Configuration) == KeyRingProtectionMode.None)
        {
#pragma warning disable CA1848, CA2254 // one warning per start; its text is the fix
            app.Logger.LogWarning(KeyRingProtection.UnprotectedWarning, DataProtectionSecretProtector.KeyDirectory(data.FullDataDirectory));
#pragma warning restore CA1848, CA2254
        }
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
        await using (var scope = services.CreateAsyncScope())
        {
            var identity = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            await identity.Database.MigrateAsync(ct);
            await identity.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await SeedAdminAsync(scope.ServiceProvider, app.Configuration, data, ct);
        }
        await services.GetRequiredService<PromptLibrary>().SeedAsync(ct);
        await services.GetRequiredService<SynthesizerCatalog>().SyncFromConfigurationAsync(ct);
        if (services.GetService<DeepFinance.LlmSim.SimulatorOptions>() is { } simulator)
        {
            simulator.ApiKey = services.GetRequiredService<SimulatorKey>().Value;
        }
        await LoadDemoCorpusAsync(services, app.Configuration, data, app.Logger, ct);
        await services.GetRequiredService<RunExecutor>().RecoverAsync(ct);
    }

    private static async Task SeedAdminAsync(IServiceProvider sp, IConfiguration configuration, DataOptions data, CancellationToken ct)
    {
        var roles = sp.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }
        var users = sp.GetRequiredService<UserManager<ApplicationUser>>();
        if (await users.Users.AnyAsync(ct))
        {
            return;
        }
        var email = configuration["DeepFinance:Admin:Email"] is { Length: > 0 } e ? e : "admin@deepfinance.local";
        var password = configuration["DeepFinance:Admin:Password"];
        var generated = string.IsNullOrEmpty(password);
        if (generated)
        {
            password = "Df-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('/', 'x').Replace('+', 'y') + "9a!";
        }
        var admin = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(admin, password!);
        if (!created.Succeeded)
        {
            throw new InvalidOperationException("The first admin could not be created: " + string.Join("; ", created.Errors.Select(x => x.Description))
                + " (check DeepFinance:Admin:Email and DeepFinance:Admin:Password).");
        }
        await users.AddToRolesAsync(admin, [Roles.Admin]);
        if (generated)
        {
            // To stdout and a file only: the password must never reach the log pipeline.
            // Owner-only, and deleted after this admin's first sign-in (InitialAdminSignInManager) or on `deepfinance admin forget-initial-password`.
            await InitialAdminFile.WriteAsync(data, email, password!, ct);
            Console.WriteLine($"DeepFinance first admin: {email} / {password}  (also in {InitialAdminFile.PathIn(data)} until the first sign-in)");
        }
    }

    private static async Task LoadDemoCorpusAsync(IServiceProvider sp, IConfiguration configuration, DataOptions data, ILogger logger, CancellationToken ct)
    {
        var marker = data.SqlitePath("demo-loaded");
        var file = DemoCorpusPath(configuration);
        if (!configuration.GetValue("DeepFinance:Demo:LoadOnFirstStart", true) || File.Exists(marker) || file is null)
        {
            return;
        }
        await using var stream = File.OpenRead(file);
        var result = await sp.GetRequiredService<SeedImporter>().ImportAsync(stream, Path.GetFileName(file), "Demo corpus", "system", ct);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"The demo corpus {file} did not import: {string.Join("; ", result.Errors)}");
        }
        await DataDirectoryFiles.WriteAllTextAsync(marker, DateTimeOffset.UtcNow.ToString("O"), ct);
        logger.LogInformation("Loaded the demo corpus: {Count} items", result.ItemCount);
    }

    public static string? DemoCorpusPath(IConfiguration configuration)
    {
        var configured = configuration["DeepFinance:Demo:SeedFile"];
        var candidate = string.IsNullOrEmpty(configured) ? Path.Combine(AppContext.BaseDirectory, "samples", "seed-demo.jsonl") : configured;
        return File.Exists(candidate) ? candidate : null;
    }
}
