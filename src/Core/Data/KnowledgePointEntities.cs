namespace DeepFinance.Core.Data;

/// <summary>What a mined knowledge point is: the five kinds the t2q template asks for, and one for anything else a model wrote.</summary>
public enum KnowledgePointKind { Formula, Rule, Definition, Convention, Regulation, Other }

/// <summary>
/// A piece of knowledge T2Q mined from verified reasoning (a formula, rule, definition, market convention or regulatory
/// fact). The same point mined from several traces is one row: its <see cref="Key"/> is the curation normaliser's key of
/// the first wording seen, and later wordings that are exact or near duplicates of it are merged into it.
/// </summary>
public sealed class KnowledgePoint
{
    public long Id { get; set; }
    /// <summary>The normalised key (unique): the merge target for later mentions.</summary>
    public required string Key { get; set; }
    /// <summary>The statement as first mined.</summary>
    public required string Text { get; set; }
    public KnowledgePointKind Kind { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; }
    /// <summary>The run that first mined it.</summary>
    public long FirstRunId { get; set; }
    /// <summary>How many times it was mined (once per trace it came from).</summary>
    public int Mentions { get; set; }
}

/// <summary>A trace a knowledge point was mined from, and the run that mined it.</summary>
public sealed class KnowledgePointTrace
{
    public long KnowledgePointId { get; set; }
    public long TraceId { get; set; }
    public long RunId { get; set; }
    /// <summary>The wording this trace's mining used (it may differ from the point's text when it was merged as a near duplicate).</summary>
    public required string Statement { get; set; }
    public DateTimeOffset MinedAt { get; set; }
}
