using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeepFinance.Core.Ingest.Corpora;

/// <summary>How the rows of a corpus are laid out; decides which mapping fields are read.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SeedShape>))]
public enum SeedShape
{
    /// <summary>One question per row: question and answer fields, options as columns or one field.</summary>
    Flat,
    /// <summary>Alpaca: instruction + input make the question, output is the answer.</summary>
    Alpaca,
    /// <summary>ShareGPT <c>conversations</c> [{from, value}] or chat <c>messages</c> [{role, content}]: the first user→assistant pair.</summary>
    Chat,
    /// <summary>FinQA / TAT-QA: passages and a table rendered into the question, one or several questions per row.</summary>
    Table,
}

/// <summary>
/// Which source field gives each seed field. Paths are field names, with dots for nested objects (<c>qa.question</c>);
/// <c>a|b</c> takes the first of the two that is present and not empty (FinQA's <c>answer|exe_ans</c>).
/// A field left null is not read. Passed as JSON by the API, the page and the CLI (docs/corpora.md).
/// </summary>
public sealed record SeedMapping
{
    public SeedShape Shape { get; init; } = SeedShape.Flat;

    // Flat (and, inside each entry of Questions, Table).
    public string? Question { get; init; }
    public string? Answer { get; init; }
    /// <summary>One field holding every option: a JSON object {"A": …}, an array, or a string holding either (JSON or Python quoting).</summary>
    public string? Options { get; init; }
    /// <summary>One column per option, in letter order (<c>["A","B","C","D"]</c>).</summary>
    public List<string>? OptionColumns { get; init; }
    public string? Id { get; init; }
    public string? TaskType { get; init; }
    public string? Difficulty { get; init; }
    public string? Source { get; init; }
    /// <summary>True/false items: the answer is normalised to True/False (正确/错误 for Chinese questions), which become the options.</summary>
    public bool TrueFalse { get; init; }

    // Alpaca.
    public string? Instruction { get; init; }
    public string? Input { get; init; }
    public string? Output { get; init; }

    // Chat.
    public string? Messages { get; init; }

    // Table.
    public string? PreText { get; init; }
    public string? PostText { get; init; }
    /// <summary>Rows of cells (FinQA <c>table</c>), or an object holding them under <c>table</c> (TAT-QA).</summary>
    public string? Table { get; init; }
    /// <summary>TAT-QA passages: [{text}] or strings, placed before the table.</summary>
    public string? Paragraphs { get; init; }
    /// <summary>The question entries: an array (TAT-QA <c>questions</c>) or one object (FinQA <c>qa</c>); Question, Answer, Id and Scale are read inside each.</summary>
    public string? Questions { get; init; }
    /// <summary>The unit of the answer ("million", "percent"), written after it in the reference.</summary>
    public string? Scale { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The mapping in <paramref name="json"/>, or an error naming what is wrong with it.</summary>
    public static SeedMapping? Parse(string json, out string? error)
    {
        error = null;
        try
        {
            var strict = new JsonSerializerOptions(Json) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };
            var mapping = JsonSerializer.Deserialize<SeedMapping>(json, strict);
            if (mapping is null)
            {
                error = "the mapping is null";
                return null;
            }
            error = mapping.Check();
            return error is null ? mapping : null;
        }
        catch (JsonException e)
        {
            var message = e.Message;
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            error = $"not a valid mapping ({(cut > 0 ? message[..cut] : message).TrimEnd('.')})";
            return null;
        }
    }

    /// <summary>What the shape needs and is missing, or null.</summary>
    public string? Check()
    {
        string? Need(params (string Name, object? Value)[] fields) =>
            fields.FirstOrDefault(f => f.Value is null or "") is { Name: { } missing } ? $"shape {Shape} needs \"{missing}\"" : null;
        return Shape switch
        {
            SeedShape.Flat => Need(("question", Question), ("answer", Answer))
                ?? (Options is not null && OptionColumns is { Count: > 0 } ? "give options or optionColumns, not both" : null),
            SeedShape.Alpaca => Need(("instruction", Instruction), ("output", Output)),
            SeedShape.Chat => Need(("messages", Messages)),
            SeedShape.Table => Need(("questions", Questions), ("question", Question), ("answer", Answer)),
            _ => "unknown shape",
        };
    }

    /// <summary>The source fields this mapping reads at the top of a row (the first part of each path).</summary>
    public IEnumerable<string> ReadFields()
    {
        var inside = Shape == SeedShape.Table;
        IEnumerable<string?> paths = Shape switch
        {
            SeedShape.Alpaca => [Instruction, Input, Output],
            SeedShape.Chat => [Messages],
            SeedShape.Table => [PreText, PostText, Table, Paragraphs, Questions],
            _ => [Question, Answer, Options, Scale, .. OptionColumns ?? []],
        };
        // Id, task type, difficulty and source may stand on the row in every shape (in Table, also inside each question).
        paths = paths.Concat([Id, TaskType, Difficulty, Source]).Concat(inside ? [Question, Answer, Scale] : []);
        return paths.Where(p => !string.IsNullOrWhiteSpace(p))
            .SelectMany(p => p!.Split('|'))
            .Select(p => p.Split('.')[0].Trim())
            .Distinct(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A mapping guessed from the fields seen in the first rows: Alpaca, chat, FinQA/TAT-QA by their field names,
    /// otherwise question/answer-like names and option letters. Never null: a guess with what it found.
    /// </summary>
    public static SeedMapping Suggest(IReadOnlyList<string> columns)
    {
        string? Find(params string[] names) =>
            names.Select(n => columns.FirstOrDefault(c => c.Trim().Equals(n, StringComparison.OrdinalIgnoreCase))).FirstOrDefault(c => c is not null);
        var common = new SeedMapping
        {
            Id = Find("id", "uid", "qid", "question_id", "_id"),
            TaskType = Find("task_type", "tasktype", "task"),
            Difficulty = Find("difficulty", "level"),
            Source = Find("source", "subject", "category"),
        };
        if (Find("instruction") is { } instruction && Find("output", "response") is { } output)
        {
            return common with { Shape = SeedShape.Alpaca, Instruction = instruction, Input = Find("input", "context"), Output = output };
        }
        if (Find("messages", "conversations", "conversation") is { } messages)
        {
            return common with { Shape = SeedShape.Chat, Messages = messages };
        }
        if (Find("qa", "questions") is { } questions && Find("table", "pre_text", "paragraphs") is not null)
        {
            var tatqa = questions.Equals("questions", StringComparison.OrdinalIgnoreCase);
            return common with
            {
                Shape = SeedShape.Table, Questions = questions, Question = "question", Answer = tatqa ? "answer" : "answer|exe_ans",
                Id = tatqa ? "uid" : common.Id, Scale = tatqa ? "scale" : null,
                PreText = Find("pre_text"), PostText = Find("post_text"), Table = Find("table"), Paragraphs = Find("paragraphs"),
            };
        }
        var letters = new List<string>();
        for (var letter = 'A'; letter <= SeedFields.LastOptionLetter; letter++)
        {
            if (Find(letter.ToString()) is not { } column)
            {
                break;
            }
            letters.Add(column);
        }
        return common with
        {
            Shape = SeedShape.Flat,
            Question = Find("question", "query", "problem", "prompt", "题目", "问题"),
            Answer = Find("answer", "label", "correct_answer", "solution", "答案"),
            Options = letters.Count > 0 ? null : Find("options", "choices", "option", "选项"),
            OptionColumns = letters.Count > 0 ? letters : null,
            Scale = Find("scale", "unit"),
        };
    }
}
