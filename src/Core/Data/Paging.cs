namespace DeepFinance.Core.Data;

/// <summary>The one rule for page numbers: pages start at 1, and a page past any table's end is empty, never page 1 again.</summary>
public static class Paging
{
    /// <summary>The page a caller asked for, as the answer reports it: absent, zero or negative is page 1.</summary>
    public static int Page(int? page) => Math.Max(1, page ?? 1);

    /// <summary>Rows to skip for <paramref name="page"/>; saturates instead of overflowing (page 2,147,483,647 × 50 wrapped to a negative skip).</summary>
    public static int Offset(int page, int pageSize) =>
        (int)Math.Min(int.MaxValue, ((long)Math.Max(1, page) - 1) * Math.Max(1, pageSize));
}
