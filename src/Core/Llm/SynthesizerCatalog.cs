using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace DeepFinance.Core.Llm;

/// <summary>Everything needed to call one synthesizer, resolved at call time.</summary>
public sealed record SynthesizerProfile(
    string Name,
    string BaseUrl,
    string Model,
    string? ApiKey,
    double Temperature,
    int MaxTokens,
    int MaxConcurrency,
    int RequestsPerMinute,
    int TokensPerMinute,
    decimal InputPricePerMillion,
    decimal OutputPricePerMillion,
    bool External,
    bool Streaming,
    bool Simulated,
    bool SendSeed)
{
    public decimal CostOf(int promptTokens, int completionTokens) => CostOf(promptTokens, completionTokens, InputPricePerMillion, OutputPricePerMillion);

    /// <summary>Reasoning tokens are inside completion tokens for OpenAI-style usage; they are not billed again.</summary>
    public static decimal CostOf(long promptTokens, long completionTokens, decimal inputPerMillion, decimal outputPerMillion)
        => (promptTokens * inputPerMillion + completionTokens * outputPerMillion) / 1_000_000m;
}

/// <summary>Where the in-app simulator lives; <see cref="SelfScheme"/> base URLs resolve against the running server.</summary>
public interface ILocalServerAddress
{
    Uri? BaseAddress { get; }

    /// <summary>The key this server's own simulator takes; sent only to <c>self:</c> endpoints.</summary>
    string? SimulatorKey => null;
}

/// <summary>
/// Synthesizers come from configuration (mirrored into the database at start-up, so runs and traces
/// can name them), from operators (source "ui") and, when enabled, the in-app simulator. A key is
/// the encrypted key an Admin stored, else the configuration key; it is resolved at call time.
/// </summary>
public sealed class SynthesizerCatalog(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    IConfiguration configuration,
    ILocalServerAddress? localServer = null,
    ISecretProtector? protector = null)
{
    public const string SectionName = "DeepFinance:Synthesizers";
    public const string SimulatorName = "simulator";
    public const string SelfScheme = "self:";
    public const string ConfigurationSource = "configuration";
    public const string UiSource = "ui";

    public static Dictionary<string, SynthesizerOptions> ReadConfigured(IConfiguration configuration)
    {
        var result = new Dictionary<string, SynthesizerOptions>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in configuration.GetSection(SectionName).GetChildren())
        {
            var options = new SynthesizerOptions();
            child.Bind(options);
            result[child.Key] = options;
        }
        return result;
    }

    public static bool SimulatorEnabled(IConfiguration configuration) => configuration.GetValue("DeepFinance:Simulator:Enabled", true);

    /// <summary>Mirror configured synthesizers into the database so every run and trace can refer to them.</summary>
    public async Task SyncFromConfigurationAsync(CancellationToken ct = default)
    {
        var configured = ReadConfigured(configuration);
        if (SimulatorEnabled(configuration) && !configured.ContainsKey(SimulatorName))
        {
            configured[SimulatorName] = new SynthesizerOptions
            {
                BaseUrl = SelfScheme + "/sim/v1",
                Model = "simulator",
                External = false,
                MaxConcurrency = 16,
                MaxTokens = 2048,
                InputPricePerMillion = 0.5m,
                OutputPricePerMillion = 2m,
            };
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Synthesizers.ToDictionaryAsync(s => s.Name, StringComparer.OrdinalIgnoreCase, ct);
        foreach (var (name, o) in configured)
        {
            if (!rows.TryGetValue(name, out var row))
            {
                row = new Synthesizer { Name = name, BaseUrl = o.BaseUrl, Model = o.Model, Source = "configuration" };
                db.Synthesizers.Add(row);
            }
            row.BaseUrl = o.BaseUrl;
            row.Model = o.Model;
            row.Temperature = o.Temperature;
            row.MaxTokens = o.MaxTokens;
            row.MaxConcurrency = o.MaxConcurrency;
            row.RequestsPerMinute = o.RequestsPerMinute;
            row.TokensPerMinute = o.TokensPerMinute;
            row.InputPricePerMillion = o.InputPricePerMillion;
            row.OutputPricePerMillion = o.OutputPricePerMillion;
            row.External = o.External;
            row.Streaming = o.Streaming;
            row.SendSeed = o.SendSeed;
            row.Simulated = name.Equals(SimulatorName, StringComparison.OrdinalIgnoreCase) && o.BaseUrl.StartsWith(SelfScheme, StringComparison.Ordinal);
            row.Source = ConfigurationSource;
            row.UpdatedAt = DateTimeOffset.UtcNow;
        }
        await db.SaveChangesAsync(ct);

        // Prices are versioned: a configured price that differs from the latest version starts a new one.
        var byId = (await db.SynthesizerPrices.AsNoTracking().ToListAsync(ct))
            .GroupBy(p => p.SynthesizerId)
            .ToDictionary(g => g.Key, g => g.MaxBy(p => p.Id)!);
        var now = DateTimeOffset.UtcNow;
        foreach (var row in db.Synthesizers.Local)
        {
            if (!byId.TryGetValue(row.Id, out var last) || last.InputPricePerMillion != row.InputPricePerMillion
                || last.OutputPricePerMillion != row.OutputPricePerMillion)
            {
                db.SynthesizerPrices.Add(new SynthesizerPrice
                {
                    SynthesizerId = row.Id,
                    InputPricePerMillion = row.InputPricePerMillion,
                    OutputPricePerMillion = row.OutputPricePerMillion,
                    EffectiveFrom = now,
                    ChangedBy = row.Source == ConfigurationSource ? ConfigurationSource : "system",
                });
            }
        }
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<Synthesizer>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Synthesizers.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct);
    }

    public async Task<SynthesizerProfile?> FindAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Synthesizers.AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, ct);
        if (row is null)
        {
            return null;
        }
        var key = ResolveKey(row);
        return new SynthesizerProfile(row.Name, row.BaseUrl, row.Model, key, row.Temperature, row.MaxTokens,
            row.MaxConcurrency, row.RequestsPerMinute, row.TokensPerMinute, row.InputPricePerMillion,
            row.OutputPricePerMillion, row.External, row.Streaming, row.Simulated, row.SendSeed);
    }

    /// <summary>The stored encrypted key if there is one, else the configuration key. Never logged.</summary>
    private string? ResolveKey(Synthesizer row)
    {
        if (string.IsNullOrEmpty(row.ApiKeyProtected))
        {
            return configuration[$"{SectionName}:{row.Name}:ApiKey"];
        }
        if (protector is null)
        {
            throw new InvalidOperationException(
                $"Synthesizer '{row.Name}' has a stored API key, but this process has no Data Protection key ring to decrypt it.");
        }
        try
        {
            return protector.Unprotect(row.ApiKeyProtected);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException(
                $"The stored API key of synthesizer '{row.Name}' cannot be decrypted: the Data Protection keys in the data directory do not match. An Admin must set the key again.");
        }
    }

    /// <summary>The URL the OpenAI client is pointed at; <c>self:/sim/v1</c> becomes this server's own address.</summary>
    public Uri ResolveEndpoint(SynthesizerProfile profile)
    {
        if (!profile.BaseUrl.StartsWith(SelfScheme, StringComparison.Ordinal))
        {
            return new Uri(profile.BaseUrl.TrimEnd('/') + "/");
        }
        var self = localServer?.BaseAddress
            ?? throw new InvalidOperationException($"Synthesizer '{profile.Name}' points at this server ({profile.BaseUrl}), but no server address is known in this process.");
        return new Uri(self, profile.BaseUrl[SelfScheme.Length..].TrimStart('/').TrimEnd('/') + "/");
    }
}
