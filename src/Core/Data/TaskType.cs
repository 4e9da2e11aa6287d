namespace DeepFinance.Core.Data;

/// <summary>The method's six task types.</summary>
public enum TaskType
{
    TextGeneration,
    AnalysisInterpretation,
    Nlp,
    ComplianceSecurity,
    Math,
    KnowledgeQa,
}

public static class TaskTypes
{
    private static readonly Dictionary<string, TaskType> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Text Generation"] = TaskType.TextGeneration,
        ["TextGeneration"] = TaskType.TextGeneration,
        ["Analysis & Interpretation"] = TaskType.AnalysisInterpretation,
        ["AnalysisInterpretation"] = TaskType.AnalysisInterpretation,
        ["Analysis and Interpretation"] = TaskType.AnalysisInterpretation,
        ["NLP"] = TaskType.Nlp,
        ["Compliance & Security"] = TaskType.ComplianceSecurity,
        ["ComplianceSecurity"] = TaskType.ComplianceSecurity,
        ["Compliance and Security"] = TaskType.ComplianceSecurity,
        ["Math"] = TaskType.Math,
        ["Knowledge QA"] = TaskType.KnowledgeQa,
        ["KnowledgeQa"] = TaskType.KnowledgeQa,
        ["KnowledgeQA"] = TaskType.KnowledgeQa,
    };

    public static IReadOnlyList<TaskType> All { get; } = Enum.GetValues<TaskType>();

    public static bool TryParse(string? text, out TaskType type)
    {
        type = default;
        return text is not null && ByName.TryGetValue(text.Trim(), out type);
    }

    public static string DisplayName(this TaskType type) => type switch
    {
        TaskType.TextGeneration => "Text Generation",
        TaskType.AnalysisInterpretation => "Analysis & Interpretation",
        TaskType.Nlp => "NLP",
        TaskType.ComplianceSecurity => "Compliance & Security",
        TaskType.Math => "Math",
        TaskType.KnowledgeQa => "Knowledge QA",
        _ => type.ToString(),
    };

    public static IEnumerable<string> Names => All.Select(t => t.DisplayName());
}
