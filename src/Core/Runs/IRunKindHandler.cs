using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;

namespace DeepFinance.Core.Runs;

/// <summary>
/// One kind of run. The engine in Runs/ knows none of them: it finds a handler by <see cref="Kind"/>
/// and asks it to check a launch, estimate it, create the run's items and process one item at a time.
/// Handlers live in their pipeline stage's folder and are registered with <c>AddRunKind&lt;T&gt;()</c>.
/// </summary>
public interface IRunKindHandler
{
    /// <summary>The lower-case name runs of this kind carry (<c>q2a</c>, <c>synthesize</c>, …).</summary>
    string Kind { get; }

    /// <summary>Checks the kind's spec and settles everything the run keeps. Throws <see cref="RunValidationException"/> naming the field.</summary>
    Task<RunPlan> PlanAsync(RunLaunch launch, SynthesizerProfile synthesizer, CancellationToken ct);

    /// <summary>What the planned run would send and cost.</summary>
    Task<RunEstimate> EstimateAsync(RunPlan plan, SynthesizerProfile synthesizer, CancellationToken ct);

    /// <summary>The run's items, streamed; each key must be unique within the run.</summary>
    IAsyncEnumerable<RunItemSeed> CreateItemsAsync(RunContext run, CancellationToken ct);

    /// <summary>Loads what a partition's items need, once (questions, prompts, stored responses).</summary>
    Task<IPartitionWork> OpenPartitionAsync(RunContext run, IReadOnlyList<RunItemRef> items, CancellationToken ct);

    /// <summary>Called once when every item is done or failed.</summary>
    Task CompletedAsync(RunContext run, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>A partition's items, ready to process. <see cref="ProcessAsync"/> runs concurrently for different items.</summary>
public interface IPartitionWork
{
    /// <summary>Turns one item into what is to be stored. Throwing fails the item with the message; it never stops the run.</summary>
    Task<ItemResult> ProcessAsync(RunItemRef item, CancellationToken ct);
}

/// <summary>What an operator asks for: a kind, a synthesizer and the kind's own spec.</summary>
public sealed record RunLaunch(string Kind, string Synthesizer, JsonElement Spec, string? Name = null, int? PartitionSize = null);

/// <summary>What a handler settled at launch: stored with the run and handed back to it through <see cref="RunContext"/>.</summary>
/// <param name="Spec">The normalised spec, stored as the run's SpecJson.</param>
/// <param name="Prompts">Prompt versions by role; the first is the run's main template.</param>
public sealed record RunPlan(
    JsonElement Spec,
    IReadOnlyList<(string Role, long PromptTemplateId)> Prompts,
    long? SeedSourceId = null,
    int SamplesPerQuestion = 1,
    string SamplingSalt = "",
    RunParameters? Parameters = null);

/// <summary>An item to create: its unique key, the row it is about and which sample or round.</summary>
public readonly record struct RunItemSeed(string Key, long SubjectId, int Slot = 0);

/// <summary>An item as a handler sees it when processing.</summary>
public sealed record RunItemRef(long Id, string Key, long SubjectId, int Slot);

/// <summary>The run as a handler sees it: its row, its spec, its prompts and its synthesizer at launch prices.</summary>
public sealed record RunContext(Run Run, JsonElement Spec, IReadOnlyDictionary<string, long> Prompts, SynthesizerProfile Synthesizer)
{
    public long RunId => Run.Id;

    public T SpecAs<T>() => Spec.Deserialize<T>(RunJson.Options) ?? throw new InvalidOperationException($"run {Run.Id} has no spec");

    public long Prompt(string role) => Prompts.TryGetValue(role, out var id) ? id
        : throw new InvalidOperationException($"run {Run.Id} has no prompt for role '{role}'");
}

/// <summary>
/// What one item produced. Traces are stored with the item's completion in one commit, and only by the
/// worker that completes the item. <see cref="Failure"/> set means the item failed with that reason.
/// </summary>
public sealed record ItemResult(IReadOnlyList<CotTrace> Traces, string? Failure = null, bool FromStore = false)
{
    /// <summary>
    /// For trace <c>i</c>, the index of an earlier trace of this result whose id becomes its <c>ParentTraceId</c>
    /// once stored (a chain of rounds committed together); null entries, or no list, keep what the trace says.
    /// </summary>
    public IReadOnlyList<int?>? ParentIndexes { get; init; }

    /// <summary>Further rows stored in the same commit, after the traces, and able to refer to the ids they got.</summary>
    public IReadOnlyList<IResultRow>? Rows { get; init; }

    public static ItemResult Succeeded(params CotTrace[] traces) => new(traces, null, traces.Length > 0 && traces.All(t => t.FromStore));

    public static ItemResult Failed(string reason, params CotTrace[] traces) => new(traces, reason);
}

/// <summary>A row a kind stores with an item's traces, in the same commit; <c>traceIds[i]</c> is the id of <c>Traces[i]</c>.</summary>
public interface IResultRow
{
    void Insert(WriteBatch batch, IReadOnlyList<long> traceIds);
}

public static class RunJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
