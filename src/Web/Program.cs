using DeepFinance.Core.Llm;
using DeepFinance.LlmSim;
using DeepFinance.Web.Annotation;
using DeepFinance.Web.Api;
using DeepFinance.Web.Components;
using DeepFinance.Web.Hosting;
using DeepFinance.Web.Jobs;
using DeepFinance.Web.Localization;
using DeepFinance.Web.Security;
using Hangfire;

var builder = WebApplication.CreateBuilder(args);
// Without a launch profile, `dotnet run` and `dotnet DeepFinance.Web.dll` from bin/ start in Production, but from the
// build output, not a publish folder: MapStaticAssets then reads the build manifest, whose files (blazor.web.js,
// MudBlazor's, the scoped CSS bundle) live in NuGet packages and obj/, not in wwwroot. Only Development maps them
// by default, so every asset was a 500. Mapping them in every environment fixes that; a published app has no
// runtime manifest and is unaffected (its assets are copied into its wwwroot).
builder.WebHost.UseStaticWebAssets();
builder.Services.AddDeepFinanceCore(builder.Configuration);
builder.AddAccess().AddJobs().AddApi().AddApiErrors().AddUi().AddSimulator();
builder.Services.AddAnnotationHosting();

var app = builder.Build();
await app.InitializeAsync();

app.UseSecurityHeaders();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
}
// Inside the pages' handler: API callers get ProblemDetails JSON for every error, people the HTML pages.
app.UseApiErrors();
// API callers read status codes; only people get the "not found" page.
app.UseWhen(ctx => !ctx.Request.Path.StartsWithSegments("/api") && !ctx.Request.Path.StartsWithSegments("/sim")
        && !ctx.Request.Path.StartsWithSegments("/hangfire"),
    b => b.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
app.UseRequestLocalization(new RequestLocalizationOptions()
    .SetDefaultCulture(WebServiceCollectionExtensions.Cultures[0])
    .AddSupportedCultures(WebServiceCollectionExtensions.Cultures)
    .AddSupportedUICultures(WebServiceCollectionExtensions.Cultures));
// Before authentication: a flood of sign-in attempts is turned away without touching the user store.
app.UseSignInLimits();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapHealthChecks("/health").AllowAnonymous();
app.MapOpenApi().AllowAnonymous();
app.MapDeepFinanceApi();
app.MapCultureEndpoints();
if (SynthesizerCatalog.SimulatorEnabled(app.Configuration))
{
    // Its configuration changes every simulated run and names files on disk: Admin only, as DESIGN's access table says.
    app.MapLlmSimulator("/sim", config => config.RequireAuthorization(Policies.Admin));
}
app.MapJobsDashboardGuards("/hangfire");
app.MapHangfireDashboard("/hangfire", new DashboardOptions
{
    Authorization = [new RoleDashboardFilter(Policies.RolesOf[Policies.Operate])],
    DashboardTitle = "DeepFinance jobs",
});
app.Services.GetRequiredService<IRecurringJobManager>()
    .AddOrUpdate<RunJobs>("reap-expired-leases", j => j.ReapLeasesAsync(CancellationToken.None), Cron.Minutely());
app.ScheduleRetention();

app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapAdditionalIdentityEndpoints();

app.Run();
