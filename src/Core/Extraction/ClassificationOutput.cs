using System.Text.Json;
using DeepFinance.Core.Data;

namespace DeepFinance.Core.Extraction;

/// <summary>A classifier answer that passed every check.</summary>
public sealed record ClassifierLabel(TaskType TaskType, Difficulty Difficulty, string Reason);

/// <summary>
/// Reads the <c>classify-question</c> answer: one JSON object with <c>task_type</c> (one of the six names),
/// <c>difficulty</c> (simple, medium, hard) and <c>reason</c>. Anything else is malformed, with what is wrong.
/// </summary>
public static class ClassificationOutput
{
    /// <summary>Structured output sent as the response format (the gateway also checks the answer is JSON).</summary>
    public static readonly string Schema = JsonSerializer.Serialize(new
    {
        type = "object",
        properties = new
        {
            task_type = new { type = "string", @enum = TaskTypes.Names.ToArray() },
            difficulty = new { type = "string", @enum = new[] { "simple", "medium", "hard" } },
            reason = new { type = "string" },
        },
        required = new[] { "task_type", "difficulty", "reason" },
        additionalProperties = false,
    });

    public static ClassifierLabel Read(string content)
    {
        var root = DerivedOutput.Parse(content);
        var type = Field(root, "task_type");
        if (!TaskTypes.TryParse(type, out var taskType))
        {
            throw new MalformedOutputException($"unknown task_type \"{Short(type)}\"; expected one of {string.Join(", ", TaskTypes.Names)}");
        }
        var level = Field(root, "difficulty");
        if (!Enum.TryParse<Difficulty>(level.Trim(), ignoreCase: true, out var difficulty) || !Enum.IsDefined(difficulty)
            || int.TryParse(level, out _))
        {
            throw new MalformedOutputException($"unknown difficulty \"{Short(level)}\"; expected simple, medium or hard");
        }
        var reason = root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()!.Trim() : "";
        return new ClassifierLabel(taskType, difficulty, reason);
    }

    private static string Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())
            ? v.GetString()!
            : throw new MalformedOutputException($"the JSON object has no \"{name}\" string");

    private static string Short(string text) => text.Length <= 60 ? text : text[..59] + "…";
}
