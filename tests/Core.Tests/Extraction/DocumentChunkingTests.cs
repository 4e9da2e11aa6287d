using DeepFinance.Core.Extraction;

namespace DeepFinance.Core.Tests.Extracting;

/// <summary>Raw documents reduced to text and cut into passages: headings, paragraphs, sentence ends in both languages, HTML.</summary>
public sealed class DocumentChunkingTests
{
    private static IReadOnlyList<ChunkedPassage> Chunk(string format, string text, int max = 1200, int overlap = 150) =>
        PassageChunker.Chunk(DocumentText.Reduce(format, text.Split('\n')).Lines, new ChunkingOptions(max, overlap));

    [Fact]
    public void Chinese_and_English_sentence_ends_are_both_recognised_and_decimals_stay_whole()
    {
        var zh = PassageChunker.Sentences("净息差为1.85%。成本收入比下降了吗？是的！另见附注；完。");
        Assert.Equal(["净息差为1.85%。", "成本收入比下降了吗？", "是的！", "另见附注；", "完。"], zh);
        var en = PassageChunker.Sentences("The margin was 1.85% in 2023. Did costs fall? Yes! See note 3.5 \"below.\" End");
        Assert.Equal(["The margin was 1.85% in 2023.", "Did costs fall?", "Yes!", "See note 3.5 \"below.\"", "End"], en);
    }

    [Fact]
    public void Headings_start_new_passages_and_give_each_its_section_path()
    {
        var passages = Chunk(DocumentText.Markdown, "# Report\n\nIntro line.\n\n## Risk\n\nRisk is low.\n\n## Capital\n\nCapital is 13.6%.");
        Assert.Equal(3, passages.Count);
        Assert.Equal(("Report", "Intro line."), (passages[0].Heading, passages[0].Text));
        Assert.Equal(("Report › Risk", "Risk is low."), (passages[1].Heading, passages[1].Text));
        Assert.Equal("Report › Capital", passages[2].Heading);
        Assert.Equal(11, passages[2].StartLine);
    }

    [Fact]
    public void Long_sections_are_cut_between_sentences_within_the_bound_and_repeat_the_last_sentence_as_overlap()
    {
        var sentences = Enumerable.Range(1, 40).Select(i => $"Sentence number {i} states fact {i * 7} about the bank.").ToList();
        var passages = Chunk(DocumentText.Text, string.Join(" ", sentences), max: 300, overlap: 60);

        Assert.True(passages.Count > 4);
        Assert.All(passages, p => Assert.True(p.Text.Length <= 300, $"{p.Text.Length}: {p.Text}"));
        // Every passage is whole sentences: it starts at a sentence start and ends with a full stop.
        Assert.All(passages, p =>
        {
            Assert.StartsWith("Sentence number ", p.Text, StringComparison.Ordinal);
            Assert.EndsWith("about the bank.", p.Text, StringComparison.Ordinal);
        });
        // The next passage begins with the previous one's last sentence (the overlap), and nothing is lost.
        for (var i = 1; i < passages.Count; i++)
        {
            var last = PassageChunker.Sentences(passages[i - 1].Text)[^1];
            Assert.StartsWith(last, passages[i].Text, StringComparison.Ordinal);
        }
        var all = string.Join(" ", passages.Select(p => p.Text));
        Assert.All(sentences, s => Assert.Contains(s, all, StringComparison.Ordinal));
    }

    [Fact]
    public void Chinese_text_is_cut_at_its_own_sentence_ends_and_wrapped_lines_join_without_spaces()
    {
        var body = string.Concat(Enumerable.Range(1, 30).Select(i => $"第{i}条：银行资本充足率须达到监管要求的第{i}项指标。"));
        var wrapped = string.Join("\n", Enumerable.Range(0, body.Length / 50 + 1).Select(i => body.Substring(i * 50, Math.Min(50, body.Length - i * 50))));
        var passages = Chunk(DocumentText.Text, wrapped, max: 200, overlap: 0);

        Assert.True(passages.Count > 3);
        Assert.All(passages, p =>
        {
            Assert.True(p.Text.Length <= 200);
            Assert.EndsWith("指标。", p.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(" ", p.Text, StringComparison.Ordinal);
        });
        Assert.Equal(body, string.Concat(passages.Select(p => p.Text)));
        Assert.Equal("zh", PassageChunker.LanguageOf(passages[0].Text));
    }

    [Fact]
    public void A_sentence_longer_than_the_bound_is_the_only_thing_cut_inside()
    {
        var monster = string.Join(" ", Enumerable.Repeat("word", 200)) + ".";
        var passages = Chunk(DocumentText.Text, "Short one. " + monster, max: 250, overlap: 0);
        Assert.All(passages, p => Assert.True(p.Text.Length <= 250));
        Assert.Equal("Short one.", passages[0].Text[..10]);
    }

    [Fact]
    public void Html_keeps_visible_text_and_headings_and_drops_scripts_styles_comments_and_tags()
    {
        var html = """
            <html><head><title>Bond &amp; Note Guide</title><style>p{color:red}</style>
            <script>alert("x")</script></head><body>
            <h1>Bonds</h1><p>A coupon of 5% pays <b>$50</b>&nbsp;a year.</p>
            <SCRIPT type="text/javascript">document.write('<p>evil</p>')</SCRIPT >
            <!-- hidden note -->
            <h2>Duration</h2><table><tr><td>Duration</td><td>6.2</td></tr></table>
            <p onclick="steal()">Yields &lt;rose&gt;.</p><script>never closed
            """;
        var reduced = DocumentText.Reduce(DocumentText.Html, html.Split('\n'));
        var text = string.Join("\n", reduced.Lines);

        Assert.Equal("Bond & Note Guide", reduced.Title);
        Assert.DoesNotContain("alert", text, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", text, StringComparison.Ordinal);
        Assert.DoesNotContain("color", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden note", text, StringComparison.Ordinal);
        Assert.DoesNotContain("never closed", text, StringComparison.Ordinal);
        Assert.DoesNotContain("steal", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<", text.Replace("<rose>", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var passages = PassageChunker.Chunk(reduced.Lines, new ChunkingOptions());
        Assert.Equal(2, passages.Count);
        Assert.Equal(("Bonds", "A coupon of 5% pays $50 a year."), (passages[0].Heading, passages[0].Text));
        Assert.Equal("Bonds › Duration", passages[1].Heading);
        Assert.Equal("Duration | 6.2\n\nYields <rose>.", passages[1].Text);
    }

    [Fact]
    public void Markdown_links_images_emphasis_and_code_fences_become_plain_text()
    {
        var reduced = DocumentText.Reduce(DocumentText.Markdown,
            "# Title\nSee [the rules](https://x.test) and ![chart](c.png) with **bold** and `code`.\n```\nx = 1\n```".Split('\n'));
        Assert.Equal("Title", reduced.Title);
        Assert.Contains("See the rules and chart with bold and code.", reduced.Lines);
        Assert.Contains("x = 1", reduced.Lines);
        Assert.DoesNotContain(reduced.Lines, l => l.Contains("```", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(100, 10, "maxPassageChars")]
    [InlineData(1000, 600, "overlapChars")]
    [InlineData(1000, -1, "overlapChars")]
    public void Chunking_options_out_of_range_name_their_field(int max, int overlap, string field)
    {
        Assert.Equal(field, new ChunkingOptions(max, overlap).Problem()?.Field);
    }
}
