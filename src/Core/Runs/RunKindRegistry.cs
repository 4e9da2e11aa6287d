using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Runs;

/// <summary>The run kinds registered in this process, by name.</summary>
public sealed class RunKindRegistry(IEnumerable<IRunKindHandler> handlers)
{
    private readonly Dictionary<string, IRunKindHandler> _byKind = handlers.ToDictionary(h => h.Kind, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Kinds => _byKind.Keys;

    public IRunKindHandler Get(string? kind) =>
        kind is not null && _byKind.TryGetValue(kind.Trim(), out var handler)
            ? handler
            : throw new RunValidationException("kind",
                $"Run kind '{kind}' is not available; available: {string.Join(", ", _byKind.Keys.Order(StringComparer.Ordinal))}.");
}

public static class RunKindServiceCollectionExtensions
{
    /// <summary>Adds a run kind. The engine finds it by its name; no engine file changes.</summary>
    public static IServiceCollection AddRunKind<THandler>(this IServiceCollection services) where THandler : class, IRunKindHandler
    {
        services.AddSingleton<THandler>();
        services.AddSingleton<IRunKindHandler>(sp => sp.GetRequiredService<THandler>());
        return services;
    }
}
