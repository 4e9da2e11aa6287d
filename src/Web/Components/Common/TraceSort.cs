namespace DeepFinance.Web.Components.Common;

/// <summary>Maps a trace grid column (its property name) to the sort key <see cref="DeepFinance.Core.Runs.TraceQueries"/> knows.</summary>
public static class TraceSort
{
    public static string FromColumn(string? column) => column switch
    {
        "QuestionPreview" or "QuestionId" => "question",
        "Verdict" => "verdict",
        "LatencyMs" => "latency",
        "CompletionTokens" => "tokens",
        "Cost" => "cost",
        _ => "id",
    };
}
