using AngleSharp.Html.Parser;
using DeepFinance.Core.Rendering;

namespace DeepFinance.Core.Tests.Rendering;

/// <summary>Model output cannot restyle the page, lay a link over it, or make the viewer's browser call another host.</summary>
public sealed class MarkdownRendererTests
{
    private readonly MarkdownRenderer _renderer = new();

    /// <summary>Every attribute of every element the browser would build from the HTML (escaped text is only text).</summary>
    private static List<(string Element, string Attribute, string Value)> Attributes(string html) =>
        [.. new HtmlParser().ParseFragment(html, null!).SelectMany(n => n is AngleSharp.Dom.IElement e ? e.QuerySelectorAll("*").Prepend(e) : [])
            .SelectMany(e => e.Attributes.Select(a => (e.LocalName, a.Name, a.Value)))];

    private static List<string> Elements(string html) =>
        [.. new HtmlParser().ParseFragment(html, null!).SelectMany(n => n is AngleSharp.Dom.IElement e ? e.QuerySelectorAll("*").Prepend(e) : []).Select(e => e.LocalName)];

    [Fact]
    public void Generic_attributes_written_by_the_model_do_not_reach_the_page()
    {
        var html = _renderer.ToSafeHtml("""
            [Continue](https://evil.example/phish){style="position:fixed;top:0;left:0;width:100%;height:100%;opacity:0" id="cover" class="mud-overlay"}

            Paragraph {style="color:red"}
            """);

        // The braces stay as text; no element carries anything but a link's address.
        Assert.All(Attributes(html), a => Assert.Equal(("a", "href"), (a.Element, a.Attribute)));
        Assert.Contains(Attributes(html), a => a.Value == "https://evil.example/phish");
    }

    [Theory]
    [InlineData("![chart](https://tracker.example/p.png?who=viewer)")]
    [InlineData("<img src=\"https://tracker.example/p.png\">")]
    [InlineData("[![x](https://tracker.example/p.png)](https://example.com)")]
    public void No_image_is_rendered_so_no_remote_host_learns_who_opened_the_trace(string markdown)
    {
        var html = _renderer.ToSafeHtml(markdown);
        Assert.DoesNotContain("img", Elements(html));
        Assert.DoesNotContain(Attributes(html), a => a.Value.Contains("tracker.example", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("[x](javascript:alert(1))")]
    [InlineData("<div onmouseover=\"alert(1)\">hover</div>")]
    public void Script_in_any_form_is_gone(string markdown)
    {
        var html = _renderer.ToSafeHtml(markdown);
        Assert.DoesNotContain("script", Elements(html));
        Assert.All(Attributes(html), a => Assert.Equal("href", a.Attribute));
        Assert.DoesNotContain(Attributes(html), a => a.Value.StartsWith("javascript", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Reasoning_keeps_its_structure_and_plain_links()
    {
        var html = _renderer.ToSafeHtml("""
            **Step 1.** Interest = 200,000 × 5% × 3

            | year | interest |
            |---|---|
            | 1 | 10,000 |

            - one
            - two

            See [the rule](https://www.example.org/rule).
            """);

        Assert.Contains("<strong>Step 1.</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<table>", html, StringComparison.Ordinal);
        Assert.Contains("<li>two</li>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://www.example.org/rule\">the rule</a>", html, StringComparison.Ordinal);
    }
}
