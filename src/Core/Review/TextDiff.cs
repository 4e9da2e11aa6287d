using System.Globalization;
using System.Text;

namespace DeepFinance.Core.Review;

public enum DiffOp { Equal, Delete, Insert }

public sealed record DiffSegment(DiffOp Op, string Text);

/// <param name="Coarse">True when the texts differed too much for a fine diff within the work cap: the changed middle is one delete and one insert.</param>
/// <param name="Work">Steps the diff took (snake extensions); bounded by the cap whatever the input.</param>
public sealed record DiffResult(IReadOnlyList<DiffSegment> Segments, bool Coarse, long Work);

/// <summary>
/// A diff between an original and a rewritten reasoning. Chinese (and other CJK) text is compared character by
/// character, other text word by word, so a mixed trace gets both. Myers' O(ND) algorithm after trimming the
/// common head and tail; past <see cref="DefaultMaxEdits"/> differences it stops and shows the changed middle as
/// a block, so a 20,000-character trace never costs more than a bounded amount of work.
/// </summary>
public static class TextDiff
{
    public const int DefaultMaxEdits = 1000;

    public static DiffResult Compute(string? original, string? rewrite, int maxEdits = DefaultMaxEdits)
    {
        var a = Tokenize(original ?? "");
        var b = Tokenize(rewrite ?? "");
        return Diff(a, b, maxEdits);
    }

    /// <summary>A line diff in the familiar "- / +" form, for keeping a reviewer's edit in the history.</summary>
    public static string LineDiff(string? before, string? after)
    {
        var result = Diff(Lines(before), Lines(after), DefaultMaxEdits);
        var text = new StringBuilder();
        foreach (var s in result.Segments)
        {
            if (s.Op == DiffOp.Equal)
            {
                continue;
            }
            foreach (var line in s.Text.TrimEnd('\n').Split('\n'))
            {
                text.Append(s.Op == DiffOp.Delete ? "- " : "+ ").Append(line).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>Lines, each keeping its line break, so joined lines read as they were.</summary>
    private static List<string> Lines(string? text)
    {
        var lines = new List<string>();
        var t = (text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal);
        var start = 0;
        for (var i = 0; i < t.Length; i++)
        {
            if (t[i] == '\n')
            {
                lines.Add(t[start..(i + 1)]);
                start = i + 1;
            }
        }
        if (start < t.Length)
        {
            lines.Add(t[start..] + "\n");
        }
        return lines;
    }

    /// <summary>Words, runs of spaces, single punctuation marks, and single CJK characters.</summary>
    public static IReadOnlyList<string> Tokenize(string text)
    {
        var tokens = new List<string>(text.Length / 3 + 1);
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            var c = text[i];
            if (IsCjk(text, i))
            {
                i += char.IsSurrogatePair(text, i) ? 2 : 1;
            }
            else if (char.IsLetterOrDigit(c))
            {
                while (i < text.Length && char.IsLetterOrDigit(text[i]) && !IsCjk(text, i))
                {
                    i++;
                }
            }
            else if (char.IsWhiteSpace(c))
            {
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }
            }
            else
            {
                i += char.IsSurrogatePair(text, i) ? 2 : 1;
            }
            tokens.Add(text[start..i]);
        }
        return tokens;
    }

    private static bool IsCjk(string text, int i)
    {
        var cp = char.IsSurrogatePair(text, i) ? char.ConvertToUtf32(text, i) : text[i];
        return cp is >= 0x3040 and <= 0x30FF // kana
            or >= 0x3400 and <= 0x4DBF or >= 0x4E00 and <= 0x9FFF // CJK ideographs
            or >= 0xF900 and <= 0xFAFF or >= 0x20000 and <= 0x2FA1F
            or >= 0xAC00 and <= 0xD7AF // Hangul
            || CharUnicodeInfo.GetUnicodeCategory(text, i) is UnicodeCategory.OtherPunctuation && cp >= 0x3000;
    }

    private static DiffResult Diff(IReadOnlyList<string> a, IReadOnlyList<string> b, int maxEdits)
    {
        var head = 0;
        while (head < a.Count && head < b.Count && a[head] == b[head])
        {
            head++;
        }
        var tail = 0;
        while (tail < a.Count - head && tail < b.Count - head && a[a.Count - 1 - tail] == b[b.Count - 1 - tail])
        {
            tail++;
        }
        var segments = new List<DiffSegment>();
        Add(segments, DiffOp.Equal, a, 0, head);
        var n = a.Count - head - tail;
        var m = b.Count - head - tail;
        var (ops, work) = Myers(a, head, n, b, head, m, Math.Max(1, maxEdits));
        var coarse = ops is null;
        if (ops is null)
        {
            Add(segments, DiffOp.Delete, a, head, n);
            Add(segments, DiffOp.Insert, b, head, m);
        }
        else
        {
            int x = head, y = head;
            for (var i = 0; i < ops.Count;)
            {
                // One segment per run of the same operation, so long texts are joined once, not token by token.
                var op = ops[i];
                var run = 1;
                while (i + run < ops.Count && ops[i + run] == op)
                {
                    run++;
                }
                i += run;
                switch (op)
                {
                    case DiffOp.Equal: Add(segments, op, a, x, run); x += run; y += run; break;
                    case DiffOp.Delete: Add(segments, op, a, x, run); x += run; break;
                    default: Add(segments, op, b, y, run); y += run; break;
                }
            }
        }
        Add(segments, DiffOp.Equal, a, a.Count - tail, tail);
        return new DiffResult(segments, coarse, work);
    }

    /// <summary>Appends tokens, merging with the previous segment when it has the same operation.</summary>
    private static void Add(List<DiffSegment> segments, DiffOp op, IReadOnlyList<string> tokens, int from, int count)
    {
        if (count <= 0)
        {
            return;
        }
        var text = string.Concat(Enumerable.Range(from, count).Select(i => tokens[i]));
        if (segments.Count > 0 && segments[^1].Op == op)
        {
            segments[^1] = segments[^1] with { Text = segments[^1].Text + text };
        }
        else
        {
            segments.Add(new DiffSegment(op, text));
        }
    }

    /// <summary>
    /// Myers' greedy shortest edit script over a[aOff..aOff+n) and b[bOff..bOff+m). Keeps each round's frontier to
    /// walk back the path; gives up (null) past <paramref name="maxEdits"/> edits, which bounds time and memory.
    /// </summary>
    private static (List<DiffOp>? Ops, long Work) Myers(IReadOnlyList<string> a, int aOff, int n, IReadOnlyList<string> b, int bOff, int m, int maxEdits)
    {
        long work = 0;
        if (n == 0 || m == 0)
        {
            return (Enumerable.Repeat(DiffOp.Delete, n).Concat(Enumerable.Repeat(DiffOp.Insert, m)).ToList(), 0);
        }
        var max = Math.Min(n + m, maxEdits);
        var offset = max + 1;
        var v = new int[2 * max + 3];
        var trace = new List<int[]>();
        for (var d = 0; d <= max; d++)
        {
            trace.Add((int[])v.Clone());
            for (var k = -d; k <= d; k += 2)
            {
                int x;
                if (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
                {
                    x = v[offset + k + 1];
                }
                else
                {
                    x = v[offset + k - 1] + 1;
                }
                var y = x - k;
                while (x < n && y < m && a[aOff + x] == b[bOff + y])
                {
                    x++;
                    y++;
                    work++;
                }
                work++;
                v[offset + k] = x;
                if (x >= n && y >= m)
                {
                    return (Backtrack(trace, offset, n, m, d), work);
                }
            }
        }
        return (null, work);
    }

    private static List<DiffOp> Backtrack(List<int[]> trace, int offset, int n, int m, int dEnd)
    {
        var ops = new List<DiffOp>(n + m);
        int x = n, y = m;
        for (var d = dEnd; d > 0; d--)
        {
            var v = trace[d];
            var k = x - y;
            var prevK = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
            var prevX = v[offset + prevK];
            var prevY = prevX - prevK;
            while (x > prevX && y > prevY)
            {
                ops.Add(DiffOp.Equal);
                x--;
                y--;
            }
            ops.Add(x == prevX ? DiffOp.Insert : DiffOp.Delete);
            x = prevX;
            y = prevY;
        }
        while (x > 0 && y > 0)
        {
            ops.Add(DiffOp.Equal);
            x--;
            y--;
        }
        ops.Reverse();
        return ops;
    }
}
