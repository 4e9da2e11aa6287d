using DeepFinance.Core.Data;
using DeepFinance.Core.Privacy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Prompts;

/// <summary>An item a template can be previewed on, as the picker lists it.</summary>
/// <param name="Kind">What the id names: <c>question</c>, <c>trace</c>, or a kind a new source brings.</param>
public sealed record PromptItem(long Id, string Kind, string Label);

/// <summary>What a template renders to on an item: exactly the messages the run handler would send for it.</summary>
/// <param name="Version">The version rendered; null for an unsaved body.</param>
/// <param name="Provenance">The item's lineage provenance: RawDerived text is never sent to an external synthesizer.</param>
/// <param name="Note">What the preview could not know (e.g. a model's answer from an earlier step), or null.</param>
public sealed record PromptPreviewResult(string Template, int? Version, long ItemId, string ItemKind, RequestProvenance Provenance,
    IReadOnlyList<Llm.ChatMessage> Messages, string? Note);

/// <summary>An id that names no item a template can be previewed on.</summary>
public sealed class PromptItemNotFoundException(string message) : Exception(message);

/// <summary>The model a handler renders for one item, with the provenance of its text and what the preview had to fill in.</summary>
public sealed record PromptModel(IReadOnlyDictionary<string, object?> Values, RequestProvenance Provenance, string? Note = null);

/// <summary>
/// How one template is previewed: the items it renders from and the model its run handler builds for one of them.
/// <see cref="ModelAsync"/> must call the handler's own model builder (one place, not a copy), so the preview is what a run sends.
/// For templates that render from a question or a trace, register one with
/// <see cref="PromptPreviewServiceCollectionExtensions.AddQuestionPreview"/> / <see cref="PromptPreviewServiceCollectionExtensions.AddTracePreview"/>.
/// </summary>
public interface IPromptPreviewSource
{
    string Template { get; }

    /// <summary>What the template is for, in a sentence (shown on the prompts page and in the API).</summary>
    string Purpose { get; }

    string ItemKind { get; }

    /// <summary>Items whose id is <paramref name="term"/> or whose text contains it, newest first; the latest items with no term.</summary>
    Task<IReadOnlyList<PromptItem>> SearchAsync(string? term, int take, CancellationToken ct);

    /// <exception cref="PromptItemNotFoundException">The id names no item of this kind, or one the template cannot render from.</exception>
    Task<PromptModel> ModelAsync(long itemId, CancellationToken ct);
}

/// <summary>A template rendered from a question (<see cref="Question.Text"/>: for RealWorld questions that is the desensitized text).</summary>
public sealed class QuestionPreviewSource(string template, string purpose, Func<Question, PromptModelValues> model,
    IDbContextFactory<DeepFinanceDbContext> dbFactory) : IPromptPreviewSource
{
    public string Template => template;
    public string Purpose => purpose;
    public string ItemKind => "question";

    public async Task<IReadOnlyList<PromptItem>> SearchAsync(string? term, int take, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Questions.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(term))
        {
            var t = term.Trim();
            if (long.TryParse(t, out var id))
            {
                // The item with that id first, then texts that contain the number.
                var rowsById = await q.Where(x => x.Id == id || x.Text.Contains(t)).OrderByDescending(x => x.Id == id).ThenByDescending(x => x.Id)
                    .Take(Math.Clamp(take, 1, 50)).Select(x => new { x.Id, x.Origin, x.Text }).ToListAsync(ct);
                return [.. rowsById.Select(r => new PromptItem(r.Id, ItemKind, $"{r.Origin} · {PromptItems.Cut(r.Text)}"))];
            }
            q = q.Where(x => x.Text.Contains(t));
        }
        var rows = await q.OrderByDescending(x => x.Id).Take(Math.Clamp(take, 1, 50)).Select(x => new { x.Id, x.Origin, x.Text }).ToListAsync(ct);
        return [.. rows.Select(r => new PromptItem(r.Id, ItemKind, $"{r.Origin} · {PromptItems.Cut(r.Text)}"))];
    }

    public async Task<PromptModel> ModelAsync(long itemId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var question = await db.Questions.AsNoTracking().FirstOrDefaultAsync(x => x.Id == itemId, ct)
            ?? throw new PromptItemNotFoundException($"No question with id {itemId}; '{template}' is previewed on a question.");
        var provenance = (await QuestionProvenance.OfManyAsync(db, [itemId], ct))[itemId];
        var values = model(question);
        return new PromptModel(values.Values, provenance, values.Note);
    }
}

/// <summary>A template rendered from a trace: the trace, its chain of earlier rounds (first round first) and its question.</summary>
public sealed class TracePreviewSource(string template, string purpose, Func<TraceItem, PromptModelValues> model,
    IDbContextFactory<DeepFinanceDbContext> dbFactory) : IPromptPreviewSource
{
    public string Template => template;
    public string Purpose => purpose;
    public string ItemKind => "trace";

    public async Task<IReadOnlyList<PromptItem>> SearchAsync(string? term, int take, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = from t in db.Traces.AsNoTracking()
                join x in db.Questions.AsNoTracking() on t.QuestionId equals x.Id
                where t.Status == TraceStatus.Succeeded
                select new { t.Id, t.Round, t.Verdict, x.Text };
        if (!string.IsNullOrWhiteSpace(term))
        {
            var s = term.Trim();
            var byId = long.TryParse(s, out var id);
            q = byId ? q.Where(x => x.Id == id || x.Text.Contains(s)) : q.Where(x => x.Text.Contains(s));
            q = q.OrderByDescending(x => x.Id == id).ThenByDescending(x => x.Id);
        }
        else
        {
            q = q.OrderByDescending(x => x.Id);
        }
        var rows = await q.Take(Math.Clamp(take, 1, 50)).ToListAsync(ct);
        return [.. rows.Select(r => new PromptItem(r.Id, ItemKind,
            $"{(r.Verdict is { } v ? v.ToString() : "-")} · r{r.Round} · {PromptItems.Cut(r.Text)}"))];
    }

    public async Task<PromptModel> ModelAsync(long itemId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var trace = await db.Traces.AsNoTracking().FirstOrDefaultAsync(t => t.Id == itemId, ct)
            ?? throw new PromptItemNotFoundException($"No trace with id {itemId}; '{template}' is previewed on a trace.");
        // The earlier rounds of a self-corrected trace, up to its first answer (as the scr handler reads them).
        var chain = new List<CotTrace> { trace };
        var current = trace;
        while (current.Round > 0 && current.ParentTraceId is { } parent && chain.Count <= 64
            && await db.Traces.AsNoTracking().FirstOrDefaultAsync(t => t.Id == parent, ct) is { } up)
        {
            chain.Add(up);
            current = up;
        }
        chain.Reverse();
        var question = await db.Questions.AsNoTracking().FirstOrDefaultAsync(x => x.Id == trace.QuestionId, ct)
            ?? throw new PromptItemNotFoundException($"Trace {itemId} names question {trace.QuestionId}, which no longer exists.");
        var provenance = (await QuestionProvenance.OfManyAsync(db, [question.Id], ct))[question.Id];
        var values = model(new TraceItem(trace, chain, question));
        return new PromptModel(values.Values, provenance, values.Note);
    }
}

/// <summary>A trace with its earlier rounds (<see cref="Chain"/> ends with <see cref="Trace"/>) and its question.</summary>
public sealed record TraceItem(CotTrace Trace, IReadOnlyList<CotTrace> Chain, Question Question);

/// <summary>A model builder's answer for a preview: the values, and a note on anything it had to stand in for.</summary>
public sealed record PromptModelValues(IReadOnlyDictionary<string, object?> Values, string? Note = null)
{
    public static implicit operator PromptModelValues(Dictionary<string, object?> values) => FromDictionary(values);

    // Named parameters: a bare new(values) would pick the record's copy constructor through this very conversion.
    public static PromptModelValues FromDictionary(Dictionary<string, object?> values) => new(Values: values, Note: null);
}

/// <summary>The previews of every registered template, and the rule for rendering one.</summary>
public sealed class PromptPreviews(PromptLibrary prompts, IEnumerable<IPromptPreviewSource> sources)
{
    private readonly Dictionary<string, IPromptPreviewSource> _sources = sources.ToDictionary(s => s.Template, StringComparer.Ordinal);

    public IPromptPreviewSource? SourceFor(string template) => _sources.GetValueOrDefault(template);

    public IReadOnlyCollection<IPromptPreviewSource> Sources => _sources.Values;

    /// <summary>
    /// Renders <paramref name="template"/> on an item: an unsaved <paramref name="body"/> when given (checked as a save would check it),
    /// otherwise <paramref name="version"/>, otherwise the latest version.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such template or version.</exception>
    /// <exception cref="InvalidOperationException">The template has no preview source.</exception>
    /// <exception cref="PromptItemNotFoundException">The id names no item this template renders from.</exception>
    /// <exception cref="PromptValidationException">The unsaved body is not a valid template.</exception>
    public async Task<PromptPreviewResult> PreviewAsync(string template, long itemId, string? body = null, int? version = null, CancellationToken ct = default)
    {
        var stored = await prompts.GetAsync(template, body is null ? version : null, ct);
        var source = SourceFor(template) ?? throw new InvalidOperationException($"Prompt '{template}' has no preview registered.");
        PromptVersion prompt = stored;
        if (body is not null)
        {
            PromptLibrary.Validate(body);
            prompt = new PromptVersion(0, template, 0, body);
        }
        var model = await source.ModelAsync(itemId, ct);
        return new PromptPreviewResult(template, body is null ? stored.Version : null, itemId, source.ItemKind, model.Provenance,
            prompts.Render(prompt, model.Values), model.Note);
    }

    public Task<IReadOnlyList<PromptItem>> SearchAsync(string template, string? term, int take = 20, CancellationToken ct = default) =>
        (SourceFor(template) ?? throw new KeyNotFoundException($"Prompt '{template}' has no preview registered.")).SearchAsync(term, take, ct);
}

internal static class PromptItems
{
    public static string Cut(string text) => text.Length <= 120 ? text : string.Concat(text.AsSpan(0, 119), "…");
}

public static class PromptPreviewServiceCollectionExtensions
{
    /// <summary>Previews <paramref name="template"/> on a question; <paramref name="model"/> is the handler's own model builder.</summary>
    public static IServiceCollection AddQuestionPreview(this IServiceCollection services, string template, string purpose,
        Func<Question, PromptModelValues> model) =>
        services.AddSingleton<IPromptPreviewSource>(sp =>
            new QuestionPreviewSource(template, purpose, model, sp.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>()));

    /// <summary>Previews <paramref name="template"/> on a trace; <paramref name="model"/> is the handler's own model builder.</summary>
    public static IServiceCollection AddTracePreview(this IServiceCollection services, string template, string purpose,
        Func<TraceItem, PromptModelValues> model) =>
        services.AddSingleton<IPromptPreviewSource>(sp =>
            new TracePreviewSource(template, purpose, model, sp.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>()));
}
