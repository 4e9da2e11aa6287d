using Ganss.Xss;
using Markdig;

namespace DeepFinance.Core.Rendering;

/// <summary>Model output is Markdown; it is rendered to HTML and sanitized so it can never inject markup or script.</summary>
public sealed class MarkdownRenderer
{
    private readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .UseAdvancedExtensions()
        .DisableHtml()
        .Build();

    private readonly HtmlSanitizer _sanitizer = new();

    public string ToSafeHtml(string? markdown)
    {
        if (string.IsNullOrEmpty(markdown))
        {
            return "";
        }
        return _sanitizer.Sanitize(Markdown.ToHtml(markdown, _pipeline));
    }
}
