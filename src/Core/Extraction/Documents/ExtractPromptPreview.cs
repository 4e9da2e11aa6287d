using DeepFinance.Core.Data;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Extraction;

/// <summary>
/// The <c>extract-qa</c> template previewed on a passage, with the model the extract run builds
/// (<see cref="DerivedWork.ExtractModel"/>) and the spec's default pairs per passage.
/// </summary>
public sealed class ExtractPromptPreview(IDbContextFactory<DeepFinanceDbContext> dbFactory) : IPromptPreviewSource
{
    public string Template => ExtractRunHandler.TemplateName;

    public string Purpose => "Extract: draws question–answer pairs from one passage of an imported document (previewed with the spec's defaults).";

    public string ItemKind => "passage";

    public async Task<IReadOnlyList<PromptItem>> SearchAsync(string? term, int take, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var passages = from p in db.Passages.AsNoTracking()
                       join d in db.Documents.AsNoTracking() on p.DocumentId equals d.Id
                       select new { p.Id, p.Text, d.FileName, p.Index };
        var t = term?.Trim();
        if (!string.IsNullOrEmpty(t))
        {
            passages = long.TryParse(t, out var id)
                ? passages.Where(x => x.Id == id || x.Text.Contains(t))
                : passages.Where(x => x.Text.Contains(t) || x.FileName.Contains(t));
        }
        var rows = await passages.OrderByDescending(x => x.Id).Take(Math.Clamp(take, 1, 50)).ToListAsync(ct);
        return [.. rows.Select(r => new PromptItem(r.Id, ItemKind, $"{r.FileName} #{r.Index + 1} · {PromptItems.Cut(r.Text)}"))];
    }

    public async Task<PromptModel> ModelAsync(long itemId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await (from p in db.Passages.AsNoTracking()
                         join d in db.Documents.AsNoTracking() on p.DocumentId equals d.Id
                         where p.Id == itemId
                         select new { p.Text, p.Heading, p.Language, d.Title, d.FileName }).FirstOrDefaultAsync(ct)
            ?? throw new PromptItemNotFoundException($"No passage with id {itemId}; '{Template}' is previewed on a passage of an imported document.");
        var spec = new ExtractSpec();
        // Imported documents are public to the privacy gate, as the extract run treats them.
        return new PromptModel(DerivedWork.ExtractModel(spec, row.Text, row.Heading, row.Title ?? row.FileName, row.Language), RequestProvenance.Public,
            $"pairs per passage: {spec.PairsPerPassage} (the spec's default)");
    }
}
