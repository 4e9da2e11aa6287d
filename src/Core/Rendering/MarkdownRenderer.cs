using Ganss.Xss;
using Markdig;
using Markdig.Extensions.GenericAttributes;

namespace DeepFinance.Core.Rendering;

/// <summary>
/// Model output is untrusted Markdown. It is rendered to HTML and sanitized down to plain structure: no raw
/// HTML, no attributes but a link's address, no styles, no images (a remote image would tell its host who
/// opened the trace, from where). What is left can neither restyle the page nor lay anything over it.
/// </summary>
public sealed class MarkdownRenderer
{
    private static readonly string[] Tags =
    [
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "sub", "sup", "code", "pre", "blockquote",
        "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a", "dl", "dt", "dd", "span", "div",
    ];

    private readonly MarkdownPipeline _pipeline = BuildPipeline();

    private readonly HtmlSanitizer _sanitizer = BuildSanitizer();

    public string ToSafeHtml(string? markdown)
    {
        if (string.IsNullOrEmpty(markdown))
        {
            return "";
        }
        return _sanitizer.Sanitize(Markdown.ToHtml(markdown, _pipeline));
    }

    private static MarkdownPipeline BuildPipeline()
    {
        var builder = new MarkdownPipelineBuilder().UseAdvancedExtensions().DisableHtml();
        // {style=… id=…} after a block would otherwise become attributes written by the model.
        builder.Extensions.RemoveAll(e => e is GenericAttributesExtension);
        return builder.Build();
    }

    private static HtmlSanitizer BuildSanitizer()
    {
        var sanitizer = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(Tags, StringComparer.OrdinalIgnoreCase),
            AllowedAttributes = new HashSet<string>(["href"], StringComparer.OrdinalIgnoreCase),
            AllowedSchemes = new HashSet<string>(["http", "https", "mailto"], StringComparer.OrdinalIgnoreCase),
            UriAttributes = new HashSet<string>(["href"], StringComparer.OrdinalIgnoreCase),
            AllowedCssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        });
        sanitizer.KeepChildNodes = true;
        return sanitizer;
    }
}
