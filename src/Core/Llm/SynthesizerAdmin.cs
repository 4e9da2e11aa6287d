using System.Text.RegularExpressions;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Llm;

/// <summary>Everything an operator may set on a synthesizer; keys are set apart, by Admins only.</summary>
public sealed record SynthesizerEdit(
    string Name,
    string BaseUrl,
    string Model,
    double Temperature = 0.6,
    int MaxTokens = 4096,
    int MaxConcurrency = 8,
    int RequestsPerMinute = 0,
    int TokensPerMinute = 0,
    decimal InputPricePerMillion = 0m,
    decimal OutputPricePerMillion = 0m,
    bool External = true,
    bool Streaming = false,
    bool SendSeed = true)
{
    public static SynthesizerEdit From(Synthesizer s) => new(s.Name, s.BaseUrl, s.Model, s.Temperature, s.MaxTokens, s.MaxConcurrency,
        s.RequestsPerMinute, s.TokensPerMinute, s.InputPricePerMillion, s.OutputPricePerMillion, s.External, s.Streaming, s.SendSeed);
}

/// <summary>One field that failed validation, in plain words.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>A synthesizer change refused: each field and why.</summary>
public sealed class SynthesizerValidationException(IReadOnlyList<FieldError> errors)
    : Exception(string.Join(" ", errors.Select(e => e.Message)))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}

/// <summary>The synthesizer exists but may not be changed this way (configuration rows, unknown names).</summary>
public sealed class SynthesizerChangeRefusedException(string message, bool notFound = false) : Exception(message)
{
    public bool NotFound { get; } = notFound;
}

/// <summary>
/// Operators add and edit synthesizers (source "ui"); Admins set keys, which are stored encrypted and
/// shown only by their last four characters. Configuration rows are refreshed from appsettings at
/// start-up, so they are read-only here. Every change is written to the audit log, never with a key.
/// </summary>
public sealed partial class SynthesizerAdmin(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    AuditLog audit,
    TimeProvider time,
    EndpointPolicy endpoints,
    ISecretProtector? protector = null)
{
    public async Task<IReadOnlyList<SynthesizerPrice>> PricesAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Synthesizers.AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, ct)
            ?? throw new SynthesizerChangeRefusedException($"No synthesizer named '{name}'.", notFound: true);
        var prices = await db.SynthesizerPrices.AsNoTracking().Where(p => p.SynthesizerId == row.Id).ToListAsync(ct);
        return prices.OrderByDescending(p => p.Id).ToList();
    }

    public async Task<Synthesizer> CreateAsync(SynthesizerEdit edit, string? actor, CancellationToken ct = default)
    {
        edit = Normalize(edit);
        var errors = await ValidateAsync(edit, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (errors.All(e => e.Field != "name"))
        {
            var lower = edit.Name.ToLowerInvariant();
            if (await db.Synthesizers.AnyAsync(s => s.Name.ToLower() == lower, ct))
            {
                errors.Add(new FieldError("name", $"A synthesizer named '{edit.Name}' already exists."));
            }
        }
        if (errors.Count > 0)
        {
            throw new SynthesizerValidationException(errors);
        }
        var now = time.GetUtcNow();
        var row = new Synthesizer { Name = edit.Name, BaseUrl = edit.BaseUrl, Model = edit.Model, Source = SynthesizerCatalog.UiSource };
        Apply(row, edit, now);
        db.Synthesizers.Add(row);
        await db.SaveChangesAsync(ct);
        db.SynthesizerPrices.Add(PriceVersion(row, now, actor));
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(actor ?? "", "synthesizer.created", Subject(row.Name), after: SynthesizerEdit.From(row), ct: ct);
        return row;
    }

    /// <param name="actorIsAdmin">
    /// Whether the editor may handle keys. A key goes only to the origin an Admin set it for: when anyone else
    /// points the synthesizer at another origin (scheme, host or port), the stored key is dropped, so it can
    /// never be sent to a server the editor controls.
    /// </param>
    public async Task<Synthesizer> UpdateAsync(string name, SynthesizerEdit edit, string? actor, bool actorIsAdmin, CancellationToken ct = default)
    {
        edit = Normalize(edit with { Name = name });
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await FindEditableAsync(db, name, ct);
        var errors = await ValidateAsync(edit, ct);
        if (errors.Count > 0)
        {
            throw new SynthesizerValidationException(errors);
        }
        var before = SynthesizerEdit.From(row);
        var now = time.GetUtcNow();
        var priceChanged = row.InputPricePerMillion != edit.InputPricePerMillion || row.OutputPricePerMillion != edit.OutputPricePerMillion;
        var keyDropped = !actorIsAdmin && row.ApiKeyProtected is not null && !SameOrigin(row.BaseUrl, edit.BaseUrl);
        var droppedLast4 = row.ApiKeyLast4;
        Apply(row, edit, now);
        if (keyDropped)
        {
            row.ApiKeyProtected = null;
            row.ApiKeyLast4 = null;
        }
        if (priceChanged)
        {
            db.SynthesizerPrices.Add(PriceVersion(row, now, actor));
        }
        await db.SaveChangesAsync(ct);
        var after = SynthesizerEdit.From(row);
        if (before != after)
        {
            await audit.WriteAsync(actor ?? "", "synthesizer.updated", Subject(row.Name), before, after, ct);
        }
        if (keyDropped)
        {
            await audit.WriteAsync(actor ?? "", "synthesizer.key-cleared", Subject(row.Name), $"last four: {droppedLast4}",
                $"base URL moved to another origin by a non-admin ({before.BaseUrl} → {after.BaseUrl}); an Admin must set the key again", ct);
        }
        return row;
    }

    /// <summary>Stores the key encrypted; only its last four characters are kept readable. The key itself is never logged or audited.</summary>
    public async Task SetKeyAsync(string name, string apiKey, string? actor, CancellationToken ct = default)
    {
        apiKey = apiKey?.Trim() ?? "";
        if (apiKey.Length < 8)
        {
            throw new SynthesizerValidationException([new FieldError("apiKey", "The API key must be at least 8 characters long.")]);
        }
        if (protector is null)
        {
            throw new InvalidOperationException("No Data Protection key ring is configured in this process; keys cannot be stored.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await FindEditableAsync(db, name, ct);
        var hadKey = row.ApiKeyLast4 is not null;
        var previous = row.ApiKeyLast4;
        row.ApiKeyProtected = protector.Protect(apiKey);
        row.ApiKeyLast4 = apiKey[^4..];
        row.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(actor ?? "", "synthesizer.key-set", Subject(row.Name),
            hadKey ? $"last four: {previous}" : null, $"last four: {row.ApiKeyLast4}", ct);
    }

    public static string Subject(string name) => $"synthesizer:{name}";

    /// <summary>The field rules, and the endpoint allow-list for the base URL.</summary>
    private async Task<List<FieldError>> ValidateAsync(SynthesizerEdit edit, CancellationToken ct)
    {
        var errors = Validate(edit).ToList();
        if (errors.All(e => e.Field != "baseUrl") && await endpoints.RefusalForBaseUrlAsync(edit.BaseUrl, ct) is { } refusal)
        {
            errors.Add(new FieldError("baseUrl", $"The base URL is not allowed: {refusal}"));
        }
        return errors;
    }

    public static IEnumerable<FieldError> Validate(SynthesizerEdit e)
    {
        if (string.IsNullOrWhiteSpace(e.Name))
        {
            yield return new FieldError("name", "The name is required.");
        }
        else if (e.Name.Length > 100 || !NamePattern().IsMatch(e.Name))
        {
            yield return new FieldError("name", "The name may hold only letters, digits, '.', '_' and '-' (at most 100 characters).");
        }
        if (string.IsNullOrWhiteSpace(e.BaseUrl))
        {
            yield return new FieldError("baseUrl", "The base URL is required.");
        }
        else if (!IsValidBaseUrl(e.BaseUrl))
        {
            yield return new FieldError("baseUrl",
                $"The base URL '{e.BaseUrl}' is not an absolute http(s) URL such as https://api.example.com/v1 (or self:/sim/v1 for this server's simulator).");
        }
        if (string.IsNullOrWhiteSpace(e.Model))
        {
            yield return new FieldError("model", "The model is required.");
        }
        else if (e.Model.Length > 200)
        {
            yield return new FieldError("model", "The model name is longer than 200 characters.");
        }
        if (double.IsNaN(e.Temperature) || e.Temperature is < 0 or > 2)
        {
            yield return new FieldError("temperature", "The temperature must be between 0 and 2.");
        }
        if (e.MaxTokens is < 1 or > 1_000_000)
        {
            yield return new FieldError("maxTokens", "Max tokens must be between 1 and 1,000,000.");
        }
        if (e.MaxConcurrency is < 1 or > 10_000)
        {
            yield return new FieldError("maxConcurrency", "Max concurrency must be between 1 and 10,000.");
        }
        if (e.RequestsPerMinute < 0)
        {
            yield return new FieldError("requestsPerMinute", "Requests per minute must be 0 (no limit) or more.");
        }
        if (e.TokensPerMinute < 0)
        {
            yield return new FieldError("tokensPerMinute", "Tokens per minute must be 0 (no limit) or more.");
        }
        if (e.InputPricePerMillion is < 0 or > 100_000)
        {
            yield return new FieldError("inputPricePerMillion", "The input price per million tokens must be between 0 and 100,000.");
        }
        if (e.OutputPricePerMillion is < 0 or > 100_000)
        {
            yield return new FieldError("outputPricePerMillion", "The output price per million tokens must be between 0 and 100,000.");
        }
    }

    /// <summary>Same scheme, host and port: where a key may keep going. Anything unparsable counts as another origin.</summary>
    public static bool SameOrigin(string a, string b) =>
        Uri.TryCreate(a, UriKind.Absolute, out var x) && Uri.TryCreate(b, UriKind.Absolute, out var y)
            ? Uri.Compare(x, y, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
            : string.Equals(a, b, StringComparison.Ordinal);

    public static bool IsValidBaseUrl(string url)
    {
        if (url.StartsWith(SynthesizerCatalog.SelfScheme, StringComparison.Ordinal))
        {
            var path = url[SynthesizerCatalog.SelfScheme.Length..];
            return path.StartsWith('/') && Uri.TryCreate("http://localhost" + path, UriKind.Absolute, out _);
        }
        return Uri.TryCreate(url, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && !string.IsNullOrEmpty(uri.Host);
    }

    private static SynthesizerEdit Normalize(SynthesizerEdit e) => e with
    {
        Name = e.Name?.Trim() ?? "",
        BaseUrl = e.BaseUrl?.Trim() ?? "",
        Model = e.Model?.Trim() ?? "",
    };

    private static async Task<Synthesizer> FindEditableAsync(DeepFinanceDbContext db, string name, CancellationToken ct)
    {
        var row = await db.Synthesizers.FirstOrDefaultAsync(s => s.Name == name, ct)
            ?? throw new SynthesizerChangeRefusedException($"No synthesizer named '{name}'.", notFound: true);
        if (row.Source == SynthesizerCatalog.ConfigurationSource)
        {
            throw new SynthesizerChangeRefusedException(
                $"Synthesizer '{name}' comes from configuration (DeepFinance:Synthesizers:{name}) and is refreshed from it at start-up; change it there, keys included.");
        }
        return row;
    }

    private static void Apply(Synthesizer row, SynthesizerEdit e, DateTimeOffset now)
    {
        row.BaseUrl = e.BaseUrl;
        row.Model = e.Model;
        row.Temperature = e.Temperature;
        row.MaxTokens = e.MaxTokens;
        row.MaxConcurrency = e.MaxConcurrency;
        row.RequestsPerMinute = e.RequestsPerMinute;
        row.TokensPerMinute = e.TokensPerMinute;
        row.InputPricePerMillion = e.InputPricePerMillion;
        row.OutputPricePerMillion = e.OutputPricePerMillion;
        row.External = e.External;
        row.Streaming = e.Streaming;
        row.SendSeed = e.SendSeed;
        row.Simulated = e.BaseUrl.StartsWith(SynthesizerCatalog.SelfScheme + "/sim", StringComparison.Ordinal);
        row.UpdatedAt = now;
    }

    private static SynthesizerPrice PriceVersion(Synthesizer row, DateTimeOffset now, string? actor) => new()
    {
        SynthesizerId = row.Id,
        InputPricePerMillion = row.InputPricePerMillion,
        OutputPricePerMillion = row.OutputPricePerMillion,
        EffectiveFrom = now,
        ChangedBy = string.IsNullOrWhiteSpace(actor) ? "system" : actor,
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
