using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeepFinance.LlmSim;

/// <summary>
/// The simulator on a real Kestrel server at 127.0.0.1 with a free port, for tests of any project.
/// The OpenAI client's endpoint is <c>new Uri(BaseUrl, "v1")</c>.
/// </summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorHost(WebApplication app, Uri baseUrl, SimulatorOptions options, SimulatorStats stats)
    {
        _app = app;
        BaseUrl = baseUrl;
        Options = options;
        Stats = stats;
    }

    /// <summary>Root of the server, ending in a slash, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The live options: changes apply to the next request.</summary>
    public SimulatorOptions Options { get; }

    /// <summary>The live counters.</summary>
    public SimulatorStats Stats { get; }

    public static async Task<SimulatorHost> StartAsync(SimulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SimulatorHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
        builder.Services.AddLlmSimulator(options);

        var app = builder.Build();
        app.Services.GetRequiredService<AnswerComposer>().Preload(options);
        app.MapLlmSimulator();
        await app.StartAsync(ct);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorHost(app, new Uri(address.TrimEnd('/') + "/"), options, app.Services.GetRequiredService<SimulatorStats>());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
