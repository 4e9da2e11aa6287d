using DeepFinance.Core.Review;

namespace DeepFinance.Core.Tests.Review;

public sealed class TextDiffTests
{
    private static string Render(DiffResult r) => string.Concat(r.Segments.Select(s => s.Op switch
    {
        DiffOp.Equal => s.Text,
        DiffOp.Delete => $"[-{s.Text}]",
        _ => $"{{+{s.Text}}}",
    }));

    [Fact]
    public void English_is_compared_word_by_word()
    {
        var r = TextDiff.Compute("The total is 11000 after two years.", "The total is 11025 after two years.");
        Assert.Equal("The total is [-11000]{+11025} after two years.", Render(r));
        Assert.False(r.Coarse);
    }

    [Fact]
    public void Chinese_is_compared_character_by_character()
    {
        var r = TextDiff.Compute("第二年仍按本金计息，合计11000元。", "第二年按本息计息，合计11025元。");
        Assert.Equal("第二年[-仍]按本[-金]{+息}计息，合计[-11000]{+11025}元。", Render(r));
    }

    [Fact]
    public void Both_sides_are_reproduced_exactly_from_the_segments()
    {
        const string a = "Year one: 500.\n第一年利息 500 元。 Then 10500 × 5% = 525.";
        const string b = "Year one: 500, balance 10500.\n第一年末本息 10500 元。 Then 525.";
        var r = TextDiff.Compute(a, b);
        Assert.Equal(a, string.Concat(r.Segments.Where(s => s.Op != DiffOp.Insert).Select(s => s.Text)));
        Assert.Equal(b, string.Concat(r.Segments.Where(s => s.Op != DiffOp.Delete).Select(s => s.Text)));
    }

    [Fact]
    public void A_20000_character_trace_is_diffed_with_bounded_work_and_falls_back_to_a_block_when_it_differs_everywhere()
    {
        var rng = new Random(7);
        var chars = "本金利息复利年月日资产负债收益率现金流量折现净值".ToCharArray();
        string Text(int n) => new(Enumerable.Range(0, n).Select(_ => chars[rng.Next(chars.Length)]).ToArray());
        var original = Text(20_000);

        // A few local edits: a fine diff, work close to the length, not its square.
        var edited = original[..5_000] + "二" + original[5_001..12_000] + "插入的一句话" + original[12_000..];
        var fine = TextDiff.Compute(original, edited);
        Assert.False(fine.Coarse);
        Assert.InRange(fine.Work, 0, 100_000);
        Assert.Equal(edited, string.Concat(fine.Segments.Where(s => s.Op != DiffOp.Delete).Select(s => s.Text)));

        // Two unrelated texts: the cap stops the search; the result is still exact, as one delete and one insert.
        var unrelated = Text(20_000);
        var coarse = TextDiff.Compute(original, unrelated);
        Assert.True(coarse.Coarse);
        Assert.InRange(coarse.Work, 0, (long)TextDiff.DefaultMaxEdits * TextDiff.DefaultMaxEdits * 2 + 40_000);
        Assert.Equal(unrelated, string.Concat(coarse.Segments.Where(s => s.Op != DiffOp.Delete).Select(s => s.Text)));
    }
}
