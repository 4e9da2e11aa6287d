using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using Fluid;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Prompts;

/// <summary>A prompt version ready to render: its id and version are recorded with every generated row.</summary>
public sealed record PromptVersion(long Id, string Name, int Version, string Body);

/// <summary>
/// Versioned Liquid prompts. The files shipped in Core seed the first versions; an operator's edit
/// becomes a new version; a version is never changed in place.
/// </summary>
public sealed class PromptLibrary(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
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

    /// <summary>Renders a version into chat messages, split at its <c>[system]</c> and <c>[user]</c> lines.</summary>
    public IReadOnlyList<Llm.ChatMessage> Render(PromptVersion prompt, IReadOnlyDictionary<string, object?> model)
    {
        IFluidTemplate template;
        lock (_gate)
        {
            if (!_parsed.TryGetValue(prompt.Id, out template!))
            {
                template = Parser.Parse(prompt.Body);
                _parsed[prompt.Id] = template;
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
