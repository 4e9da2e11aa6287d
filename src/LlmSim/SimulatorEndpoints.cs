using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DeepFinance.LlmSim;

/// <summary>Registers the simulator's services and maps its endpoints.</summary>
public static class SimulatorEndpoints
{
    /// <summary>Adds the simulator with options set in code.</summary>
    public static IServiceCollection AddLlmSimulator(this IServiceCollection services, Action<SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions();
        configure?.Invoke(options);
        return services.AddLlmSimulator(options);
    }

    /// <summary>Adds the simulator with options bound from a configuration section (e.g. <c>Simulator</c>).</summary>
    public static IServiceCollection AddLlmSimulator(this IServiceCollection services, IConfiguration configuration, Action<SimulatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new SimulatorOptions();
        configuration.Bind(options);
        configure?.Invoke(options);
        return services.AddLlmSimulator(options);
    }

    /// <summary>Adds the simulator around this very options instance, which stays live.</summary>
    public static IServiceCollection AddLlmSimulator(this IServiceCollection services, SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton<SimulatorStats>();
        services.TryAddSingleton<AnswerComposer>();
        services.TryAddSingleton<ChatCompletionHandler>();
        return services;
    }

    /// <summary>
    /// Maps <c>{prefix}/v1/chat/completions</c>, <c>{prefix}/v1/models</c>, <c>{prefix}/stats</c>,
    /// <c>{prefix}/stats/reset</c> and <c>{prefix}/config</c>, kept out of the OpenAPI document. The chat endpoint
    /// takes <see cref="SimulatorOptions.ApiKey"/> when one is required; <c>/config</c> never accepts a file path.
    /// </summary>
    /// <param name="protectConfig">
    /// How a host guards <c>/config</c>, which changes the simulator for everyone and names files on disk. A host
    /// that passes it (the web app: Admin only) decides; standalone, where the simulator is the whole server, it
    /// stays open like the rest.
    /// </param>
    public static RouteGroupBuilder MapLlmSimulator(this IEndpointRouteBuilder app, string prefix = "",
        Action<RouteGroupBuilder>? protectConfig = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var root = app.MapGroup(prefix ?? string.Empty);
        root.ExcludeFromDescription();
        var group = root.MapGroup("");
        group.AllowAnonymous();
        var config = root.MapGroup("");
        if (protectConfig is null)
        {
            config.AllowAnonymous();
        }
        else
        {
            protectConfig(config);
        }

        group.MapPost("/v1/chat/completions", (HttpContext context) =>
            context.RequestServices.GetRequiredService<ChatCompletionHandler>().HandleAsync(context));

        group.MapGet("/v1/models", () =>
            Results.Bytes(ResponseJson.Models(ProviderProfile.All, 1_735_689_600), "application/json"));

        group.MapGet("/stats", (SimulatorStats stats) => Results.Json(stats.Snapshot(), SimulatorOptions.Json));

        // Resetting changes what everyone reads, like the configuration: guarded the same way.
        config.MapPost("/stats/reset", (SimulatorStats stats) =>
        {
            stats.Reset();
            return Results.Json(stats.Snapshot(), SimulatorOptions.Json);
        });

        config.MapGet("/config", (SimulatorOptions options) => Results.Json(options, SimulatorOptions.Json));

        config.MapPost("/config", async (HttpContext context, SimulatorOptions options, AnswerComposer composer) =>
        {
            JsonNode? node;
            try
            {
                node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            }
            catch (JsonException ex)
            {
                return ConfigError($"The body is not valid JSON: {ex.Message}");
            }

            if (node is not JsonObject patch)
            {
                return ConfigError("The body must be a JSON object of settings to replace.");
            }

            SimulatorOptions next;
            try
            {
                next = options.WithPatch(patch);
                composer.Preload(next);
            }
            catch (Exception ex) when (ex is ArgumentException or JsonException or InvalidDataException)
            {
                return ConfigError(ex.Message);
            }

            options.CopyFrom(next);
            return Results.Json(options, SimulatorOptions.Json);
        });

        return root;
    }

    private static IResult ConfigError(string message) =>
        Results.Text(Encoding.UTF8.GetString(ResponseJson.Error(message, "invalid_request_error", "invalid_config")), "application/json", Encoding.UTF8, StatusCodes.Status400BadRequest);
}
