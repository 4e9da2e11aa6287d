using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using Fluid;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Prompts;

/// <summary>A prompt version ready to render: its id and version are recorded with every generated row.</summary>
public sealed record PromptVersion(long Id, string Name, int Version, string Body);

/// <summary>A template as the prompts page lists it: its latest version and how many there are.</summary>
public sealed record PromptSummary(string Name, int LatestVersion, int Versions, DateTimeOffset UpdatedAt, string? UpdatedBy);

/// <summary>A body that cannot become a version: what is wrong, and where (1-based line and column) when the parser says.</summary>
public sealed class PromptValidationException(string message, int? line = null, int? column = null) : Exception(message)
{
    public int? Line { get; } = line;
    public int? Column { get; } = column;
}

/// <summary>
/// Versioned Liquid prompts. The files shipped in Core seed the first versions; an operator's edit
/// becomes a new version; a version is never changed in place.
/// Which version is in force: the latest, unless a run's spec pins one. A run records the ids it launched
/// with (RunPrompt) and keeps them for its whole life, so a later edit never changes a run already launched.
/// </summary>
public sealed partial class PromptLibrary(IDbContextFactory<DeepFinanceDbContext> dbFactory, AuditLog? audit = null)
{
    /// <summary>The longest body an operator may save; shipped templates are a few thousand characters.</summary>
    public const int MaxBodyChars = 32_000;

    public const string CotSample = "cot-sample";
    public const string AnswerJudge = "answer-judge";
    private const string ResourcePrefix = "DeepFinance.Prompts.";
    private static readonly FluidParser Parser = new();
    private readonly Dictionary<long, IFluidTemplate> _parsed = [];
    private readonly Lock _gate = new();

    /// <summary>The shipped templates, by name.</summary>
    public static IReadOnlyDictionary<string, string> ShippedTemplates()
    {
        var assembly = typeof(PromptLibrary).Assembly;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var name = resource[ResourcePrefix.Length..].Replace(".liquid", "", StringComparison.Ordinal);
            result[name] = reader.ReadToEnd();
        }
        return result;
    }

    /// <summary>Adds a shipped template as a new version when its text is not stored yet. Fails loudly on a template that does not parse.</summary>
    public async Task SeedAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var (name, body) in ShippedTemplates())
        {
            if (!Parser.TryParse(body, out _, out var error))
            {
                throw new InvalidOperationException($"Shipped prompt '{name}' does not parse: {error}");
            }
            var sha = Sha(body);
            if (await db.PromptTemplates.AnyAsync(p => p.Name == name && p.Sha256 == sha, ct))
            {
                continue;
            }
            var version = await db.PromptTemplates.Where(p => p.Name == name).Select(p => (int?)p.Version).MaxAsync(ct) ?? 0;
            db.PromptTemplates.Add(new PromptTemplate
            {
                Name = name, Version = version + 1, Body = body, Sha256 = sha, CreatedAt = DateTimeOffset.UtcNow, CreatedBy = "shipped",
            });
            await db.SaveChangesAsync(ct);
        }
    }

    public async Task<PromptVersion> GetAsync(string name, int? version, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.PromptTemplates.AsNoTracking().Where(p => p.Name == name);
        var row = version is { } v
            ? await query.FirstOrDefaultAsync(p => p.Version == v, ct)
            : await query.OrderByDescending(p => p.Version).FirstOrDefaultAsync(ct);
        return row is null
            ? throw new KeyNotFoundException(version is null ? $"No prompt named '{name}'." : $"Prompt '{name}' has no version {version}.")
            : new PromptVersion(row.Id, row.Name, row.Version, row.Body);
    }

    public async Task<PromptVersion> GetByIdAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.PromptTemplates.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct)
            ?? throw new KeyNotFoundException($"No prompt version with id {id}.");
        return new PromptVersion(row.Id, row.Name, row.Version, row.Body);
    }

    public async Task<IReadOnlyList<PromptTemplate>> ListVersionsAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.PromptTemplates.AsNoTracking().Where(p => p.Name == name).OrderByDescending(p => p.Version).ToListAsync(ct);
    }

    /// <summary>Every stored template with its latest version, by name.</summary>
    public async Task<IReadOnlyList<PromptSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.PromptTemplates.AsNoTracking()
            .Select(p => new { p.Name, p.Version, p.CreatedAt, p.CreatedBy }).ToListAsync(ct);
        return [.. rows.GroupBy(r => r.Name).Select(g =>
        {
            var latest = g.MaxBy(r => r.Version)!;
            return new PromptSummary(g.Key, latest.Version, g.Count(), latest.CreatedAt, latest.CreatedBy);
        }).OrderBy(p => p.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Stores <paramref name="body"/> as the next version of <paramref name="name"/> and writes it to the audit log.
    /// Refused with <see cref="PromptValidationException"/>: an unknown name, an empty, too long or unchanged body, Liquid that
    /// does not parse (with its line and column), or a body that renders no [system] or [user] section.
    /// </summary>
    public async Task<PromptVersion> SaveVersionAsync(string name, string body, string? user, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        body = (body ?? "").Replace("\r\n", "\n", StringComparison.Ordinal);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var latest = await db.PromptTemplates.AsNoTracking().Where(p => p.Name == name).OrderByDescending(p => p.Version).FirstOrDefaultAsync(ct);
        if (latest is null)
        {
            throw new KeyNotFoundException($"No prompt named '{name}'. New templates ship as files in Core; here only new versions of existing ones are saved.");
        }
        Validate(body);
        var sha = Sha(body);
        if (latest.Sha256 == sha)
        {
            throw new PromptValidationException($"The body is the same as version {latest.Version}; nothing to save.");
        }
        var row = new PromptTemplate
        {
            Name = name, Version = latest.Version + 1, Body = body, Sha256 = sha, CreatedAt = DateTimeOffset.UtcNow,
            CreatedBy = string.IsNullOrWhiteSpace(user) ? "system" : user,
        };
        db.PromptTemplates.Add(row);
        // The unique (name, version) index refuses a second save racing for the same number.
        await db.SaveChangesAsync(ct);
        if (audit is not null)
        {
            await audit.WriteAsync(row.CreatedBy, "prompt.version-saved", $"prompt:{name}",
                new { version = latest.Version, sha256 = latest.Sha256 }, new { version = row.Version, sha256 = sha, chars = body.Length }, ct);
        }
        return new PromptVersion(row.Id, row.Name, row.Version, row.Body);
    }

    /// <summary>The checks a body passes before it is saved or previewed.</summary>
    public static void Validate(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            throw new PromptValidationException("The body is empty.");
        }
        if (body.Length > MaxBodyChars)
        {
            throw new PromptValidationException($"The body has {body.Length} characters; at most {MaxBodyChars} are allowed.");
        }
        if (!Parser.TryParse(body, out var template, out var error))
        {
            var at = ErrorPosition().Match(error ?? "");
            int? line = at.Success ? int.Parse(at.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
            int? column = at.Success ? int.Parse(at.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
            var where = line is null ? "" : $"Line {line}, column {column}: ";
            throw new PromptValidationException($"{where}the Liquid does not parse ({error}).", line, column);
        }
        string text;
        try
        {
            text = template.Render(new TemplateContext(new TemplateOptions { MemberAccessStrategy = new UnsafeMemberAccessStrategy() }));
        }
        catch (Exception e) when (e is InvalidOperationException or ParseException or ArgumentException)
        {
            throw new PromptValidationException($"The template fails when rendered: {e.Message}");
        }
        if (!text.Split('\n').Any(l => l.Trim() is "[system]" or "[user]"))
        {
            throw new PromptValidationException("The template renders no [system] or [user] line; messages are split at those lines, each on a line of its own.");
        }
    }

    [GeneratedRegex(@"\((\d+):(\d+)\)")]
    private static partial Regex ErrorPosition();

    /// <summary>Renders a version into chat messages, split at its <c>[system]</c> and <c>[user]</c> lines.</summary>
    public IReadOnlyList<Llm.ChatMessage> Render(PromptVersion prompt, IReadOnlyDictionary<string, object?> model)
    {
        IFluidTemplate template;
        lock (_gate)
        {
            // A draft (id 0, the preview of an unsaved body) is parsed each time and never cached under an id.
            if (prompt.Id <= 0 || !_parsed.TryGetValue(prompt.Id, out template!))
            {
                template = Parser.Parse(prompt.Body);
                if (prompt.Id > 0)
                {
                    _parsed[prompt.Id] = template;
                }
            }
        }
        var options = new TemplateOptions { MemberAccessStrategy = new UnsafeMemberAccessStrategy() };
        var context = new TemplateContext(options);
        foreach (var (key, value) in model)
        {
            context.SetValue(key, value);
        }
        return Split(template.Render(context), prompt);
    }

    private static List<Llm.ChatMessage> Split(string text, PromptVersion prompt)
    {
        var messages = new List<Llm.ChatMessage>();
        string? role = null;
        var current = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed is "[system]" or "[user]" or "[assistant]")
            {
                Flush();
                role = trimmed[1..^1];
                continue;
            }
            current.Append(line).Append('\n');
        }
        Flush();
        return messages.Count == 0
            ? throw new InvalidOperationException($"Prompt {prompt.Name} v{prompt.Version} rendered no [system] or [user] section.")
            : messages;

        void Flush()
        {
            var body = current.ToString().Trim();
            if (role is not null && body.Length > 0)
            {
                messages.Add(new Llm.ChatMessage(role, body));
            }
            current.Clear();
        }
    }

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
