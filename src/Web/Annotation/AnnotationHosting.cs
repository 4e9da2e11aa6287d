using DeepFinance.Core.Annotation;
using DeepFinance.Web.Data;
using DeepFinance.Web.Security;
using DeepFinance.Web.Users;
using Hangfire;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace DeepFinance.Web.Annotation;

/// <summary>Raw query text encrypted with Data Protection under its own purpose (a synthesizer key's protector cannot read it, nor the reverse).</summary>
public sealed class DataProtectionRawTextProtector(IDataProtectionProvider provider) : IRawTextProtector
{
    public const string Purpose = "DeepFinance.RealWorldRawText";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    public string Unprotect(string protectedText) => _protector.Unprotect(protectedText);
}

/// <summary>The experts, from Identity: users in the Expert role who are not disabled, by user name (what the workbench records).</summary>
public sealed class IdentityExpertDirectory(IServiceScopeFactory scopes) : IExpertDirectory
{
    public async Task<IReadOnlyList<string>> ExpertsAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var experts = await users.GetUsersInRoleAsync(Roles.Expert);
        return experts.Where(u => !UserAdministration.IsDisabled(u) && !string.IsNullOrEmpty(u.UserName)).Select(u => u.UserName!).ToList();
    }
}

/// <summary>Thin Hangfire adapter for the retention sweep.</summary>
public sealed class RetentionJobs(RawTextErasure erasure)
{
    [AutomaticRetry(Attempts = 0)]
    [Queue("default")]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task PurgeExpiredAsync(CancellationToken ct) => erasure.PurgeExpiredAsync(ct);
}

public static class AnnotationHosting
{
    /// <summary>The web app's side of real-world queries: the raw-text protector, the expert directory, the retention job.</summary>
    public static IServiceCollection AddAnnotationHosting(this IServiceCollection services) => services
        .AddSingleton<IRawTextProtector, DataProtectionRawTextProtector>()
        .AddSingleton<IExpertDirectory, IdentityExpertDirectory>()
        .AddTransient<RetentionJobs>();

    /// <summary>The retention sweep, every <see cref="RealWorldOptions.RetentionSweepMinutes"/> (whole hours as an hourly cron).</summary>
    public static void ScheduleRetention(this IApplicationBuilder app)
    {
        var minutes = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RealWorldOptions>>().Value.RetentionSweepMinutes;
        var cron = minutes < 60 ? $"*/{minutes} * * * *" : Cron.Hourly();
        app.ApplicationServices.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<RetentionJobs>("realworld-retention", j => j.PurgeExpiredAsync(CancellationToken.None), cron);
    }
}
