using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;

namespace DeepFinance.Core.Ingest.Corpora;

/// <summary>
/// Turns one source row into seed records by a <see cref="SeedMapping"/>: question, options and reference answer,
/// whatever the shape. Every problem is named by the row's place and the source field it came from; the rules for
/// choice answers and task types are <see cref="SeedImporter.Validate"/>'s, shared with the plain import.
/// </summary>
public static class RowMapper
{
    /// <summary>The records of <paramref name="row"/>; problems go to <paramref name="errors"/> and their records are left out.</summary>
    public static List<SeedRecord> Map(SourceRow row, SeedMapping m, List<ImportError> errors)
    {
        var ctx = new Context(row, errors);
        return m.Shape switch
        {
            SeedShape.Alpaca => One(ctx, m, Alpaca(ctx, m)),
            SeedShape.Chat => One(ctx, m, Chat(ctx, m)),
            SeedShape.Table => Table(ctx, m),
            _ => One(ctx, m, Flat(ctx, m, row.Row, "")),
        };
    }

    private sealed record Context(SourceRow Row, List<ImportError> Errors)
    {
        public void Add(string field, string message) => Errors.Add(new ImportError(Row.Place, field, message) { Unit = Row.Unit });
    }

    /// <summary>What a shape reads before the shared checks: the question, answer and options, each with the source field to name.</summary>
    private sealed record Draft(string? Question, string QuestionField, string? Answer, string AnswerField, List<string>? Options, string? Scale,
        JsonNode? Scope = null, int Index = 0, string? IdSuffix = null);

    private static List<SeedRecord> One(Context ctx, SeedMapping m, Draft? draft) =>
        draft is null ? [] : Finish(ctx, m, draft) is { } record ? [record] : [];

    private static Draft? Flat(Context ctx, SeedMapping m, JsonNode scope, string prefix)
    {
        var before = ctx.Errors.Count;
        var question = Text(ctx, scope, m.Question, prefix);
        var answerNode = Get(scope, m.Answer);
        var options = ReadOptions(ctx, scope, m, prefix);
        var answer = answerNode is JsonValue v && v.GetValueKind() == JsonValueKind.Number && options is { Count: > 0 }
            && int.TryParse(v.ToJsonString(), CultureInfo.InvariantCulture, out var index) && index >= 0 && index < options.Count
            // An answer stored as the option's number (MMLU-style 0-based index) is that option's letter.
            ? ((char)('A' + index)).ToString()
            : Text(ctx, scope, m.Answer, prefix);
        var scale = Text(ctx, scope, m.Scale, prefix);
        return ctx.Errors.Count == before ? new Draft(question, prefix + m.Question, answer, prefix + m.Answer, options, scale, scope) : null;
    }

    private static Draft? Alpaca(Context ctx, SeedMapping m)
    {
        var before = ctx.Errors.Count;
        var instruction = Text(ctx, ctx.Row.Row, m.Instruction, "");
        var input = Text(ctx, ctx.Row.Row, m.Input, "");
        var output = Text(ctx, ctx.Row.Row, m.Output, "");
        if (ctx.Errors.Count > before)
        {
            return null;
        }
        // The input is the material the instruction works on; it belongs to the question.
        var question = string.IsNullOrWhiteSpace(input) ? instruction : $"{instruction?.Trim()}\n\n{input.Trim()}";
        return new Draft(question, m.Instruction!, output, m.Output!, null, null);
    }

    private static Draft? Chat(Context ctx, SeedMapping m)
    {
        if (Get(ctx.Row.Row, m.Messages) is not JsonArray turns)
        {
            ctx.Add(m.Messages!, Get(ctx.Row.Row, m.Messages) is null ? "missing" : "must be an array of turns");
            return null;
        }
        var system = new List<string>();
        string? user = null;
        for (var i = 0; i < turns.Count; i++)
        {
            if (turns[i] is not JsonObject turn)
            {
                ctx.Add($"{m.Messages}[{i}]", "must be an object with role/content or from/value");
                return null;
            }
            var role = (Scalar(turn["role"]) ?? Scalar(turn["from"]))?.Trim().ToLowerInvariant();
            var content = Scalar(turn["content"]) ?? Scalar(turn["value"]);
            if (role is null || content is null)
            {
                ctx.Add($"{m.Messages}[{i}]", "needs role and content (chat) or from and value (ShareGPT)");
                return null;
            }
            switch (role)
            {
                case "system":
                    if (user is null)
                    {
                        system.Add(content.Trim());
                    }
                    break;
                case "user" or "human":
                    user ??= content;
                    break;
                case "assistant" or "gpt" or "bot" or "model" when user is not null:
                    // The first exchange is the seed; later turns lean on it and are not standalone questions.
                    var question = system.Count == 0 ? user.Trim() : $"{string.Join("\n", system)}\n\n{user.Trim()}";
                    return new Draft(question, m.Messages!, content, m.Messages!, null, null);
            }
        }
        ctx.Add(m.Messages!, "no user turn followed by an assistant turn");
        return null;
    }

    private static List<SeedRecord> Table(Context ctx, SeedMapping m)
    {
        var row = ctx.Row.Row;
        var before = ctx.Errors.Count;
        var context = new StringBuilder();
        AppendPassages(ctx, context, row, m.PreText);
        AppendPassages(ctx, context, row, m.Paragraphs);
        if (m.Table is not null && Get(row, m.Table) is { } tableNode)
        {
            var cells = tableNode is JsonObject holder ? holder["table"] : tableNode;
            if (cells is not JsonArray rows || rows.Any(r => r is not JsonArray))
            {
                ctx.Add(m.Table, "must be an array of rows, each an array of cells (or an object holding them under \"table\")");
            }
            else
            {
                context.Append(MarkdownTable(rows.Select(r => r!.AsArray().Select(c => Scalar(c) ?? "").ToList()).ToList())).Append("\n\n");
            }
        }
        AppendPassages(ctx, context, row, m.PostText);
        var entries = Get(row, m.Questions) switch
        {
            JsonArray list => list.ToList(),
            JsonObject one => [one],
            null => null,
            _ => [],
        };
        if (entries is null || entries.Count == 0 || entries.Any(e => e is not JsonObject))
        {
            ctx.Add(m.Questions!, entries is null ? "missing" : "must be a question object or an array of them");
            return [];
        }
        if (ctx.Errors.Count > before)
        {
            return [];
        }
        var records = new List<SeedRecord>();
        for (var i = 0; i < entries.Count; i++)
        {
            var prefix = entries.Count == 1 && Get(row, m.Questions) is JsonObject ? $"{m.Questions}." : $"{m.Questions}[{i}].";
            if (Flat(ctx, m with { Options = null, OptionColumns = null }, entries[i]!, prefix) is not { } draft)
            {
                continue;
            }
            var question = string.IsNullOrWhiteSpace(draft.Question) ? draft.Question : $"{context.ToString().TrimEnd()}\n\nQuestion: {draft.Question.Trim()}";
            if (Finish(ctx, m, draft with { Question = question, Index = i, IdSuffix = entries.Count > 1 ? $"-{i + 1}" : null }) is { } record)
            {
                records.Add(record);
            }
        }
        return records;
    }

    /// <summary>The shared end: id, task type, difficulty, true/false, scale, then the plain import's checks.</summary>
    private static SeedRecord? Finish(Context ctx, SeedMapping m, Draft d)
    {
        var before = ctx.Errors.Count;
        var row = ctx.Row.Row;
        // In a table row, id and the rest may stand on each question or on the row.
        string? Field(string? path, out string name)
        {
            name = path ?? "";
            if (d.Scope is not null && d.Scope != row && Get(d.Scope, path) is not null)
            {
                name = $"{m.Questions}.{path}";
                return Text(ctx, d.Scope, path, "");
            }
            return Text(ctx, row, path, "");
        }
        var id = Field(m.Id, out _);
        if (id is not null && d.IdSuffix is not null && !(d.Scope is not null && Get(d.Scope, m.Id) is not null))
        {
            id += d.IdSuffix;
        }
        var taskType = Field(m.TaskType, out var taskField);
        var difficultyText = Field(m.Difficulty, out var difficultyField);
        var source = Field(m.Source, out _);
        var answer = d.Answer;
        var options = d.Options;
        Difficulty? difficulty = null;
        if (!string.IsNullOrWhiteSpace(difficultyText))
        {
            if (ParseDifficulty(difficultyText) is { } parsed)
            {
                difficulty = parsed;
            }
            else
            {
                ctx.Add(difficultyField, $"\"{difficultyText}\" is not a difficulty (simple/easy, medium, hard or 简单/中等/困难)");
            }
        }
        if (m.TrueFalse && !string.IsNullOrWhiteSpace(answer) && !string.IsNullOrWhiteSpace(d.Question))
        {
            if (TrueFalse(answer) is not { } truth)
            {
                ctx.Add(d.AnswerField, $"\"{answer.Trim()}\" is not a true/false answer (true/false, T/F, yes/no, 对/错, 正确/错误, 是/否)");
            }
            else
            {
                options = Languages.Detect(d.Question) == "zh" ? ["正确", "错误"] : ["True", "False"];
                answer = truth ? options[0] : options[1];
            }
        }
        var scale = string.IsNullOrWhiteSpace(d.Scale) ? null : d.Scale.Trim();
        if (scale is not null && !string.IsNullOrWhiteSpace(answer))
        {
            answer = WithScale(answer.Trim(), scale);
        }
        if (ctx.Errors.Count > before)
        {
            return null;
        }
        var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["question"] = d.Question, ["answer"] = answer, ["id"] = id, ["task_type"] = taskType, ["source"] = source,
        };
        var validated = SeedImporter.Validate(ctx.Row.Place, fields, options, ctx.Errors);
        // Name the source's own fields, and the place's unit, in what the shared checks found.
        var names = new Dictionary<string, string> { ["question"] = d.QuestionField, ["answer"] = d.AnswerField, ["task_type"] = taskField };
        for (var i = before; i < ctx.Errors.Count; i++)
        {
            var e = ctx.Errors[i];
            ctx.Errors[i] = e with { Field = names.GetValueOrDefault(e.Field, e.Field) } ;
            ctx.Errors[i] = ctx.Errors[i] with { Unit = ctx.Row.Unit };
        }
        return validated is null ? null : validated with { ItemIndex = d.Index, Scale = scale, Difficulty = difficulty, Unit = ctx.Row.Unit };
    }

    /// <summary>"12.5" with "million" is "12.5 million"; with "percent" it is "12.5%". An answer already carrying its unit is left alone.</summary>
    public static string WithScale(string answer, string scale)
    {
        if (scale.Equals("percent", StringComparison.OrdinalIgnoreCase) || scale == "%")
        {
            return answer.EndsWith('%') ? answer : answer + "%";
        }
        return answer.EndsWith(scale, StringComparison.OrdinalIgnoreCase) ? answer : $"{answer} {scale}";
    }

    /// <summary>True for true/T/yes/对/正确/是…, false for their opposites, null for anything else.</summary>
    public static bool? TrueFalse(string answer) => answer.Trim().ToLowerInvariant() switch
    {
        "true" or "t" or "yes" or "y" or "1" or "对" or "正确" or "是" or "√" or "✓" or "✔" => true,
        "false" or "f" or "no" or "n" or "0" or "错" or "错误" or "否" or "×" or "✗" or "✘" => false,
        _ => null,
    };

    private static Difficulty? ParseDifficulty(string text) => text.Trim().ToLowerInvariant() switch
    {
        "simple" or "easy" or "简单" or "容易" => Data.Difficulty.Simple,
        "medium" or "moderate" or "中等" or "一般" => Data.Difficulty.Medium,
        "hard" or "difficult" or "困难" or "难" => Data.Difficulty.Hard,
        _ => null,
    };

    private static List<string>? ReadOptions(Context ctx, JsonNode scope, SeedMapping m, string prefix)
    {
        if (m.OptionColumns is { Count: > 0 } columns)
        {
            var cells = new List<string?>();
            foreach (var column in columns)
            {
                cells.Add(Text(ctx, scope, column, prefix));
            }
            // The plain import's rule: trailing empty options are fine, a gap before a filled one is not.
            var errors = new List<ImportError>();
            var options = SeedFields.FromLetters(ctx.Row.Place, cells, errors);
            foreach (var e in errors)
            {
                var index = e.Field.Length == 1 ? e.Field[0] - 'A' : -1;
                ctx.Add(index >= 0 && index < columns.Count ? prefix + columns[index] : e.Field, e.Message);
            }
            return options;
        }
        if (m.Options is null || Get(scope, m.Options) is not { } node)
        {
            return null;
        }
        return OptionsFrom(ctx, node, prefix + m.Options, 0);
    }

    /// <summary>Options from an object {"A": …} (in letter order), an array, or a string holding either in JSON or Python quoting.</summary>
    private static List<string>? OptionsFrom(Context ctx, JsonNode node, string field, int depth)
    {
        switch (node)
        {
            case JsonArray list:
                if (list.Any(o => Scalar(o) is null))
                {
                    ctx.Add(field, "every option must be text");
                    return null;
                }
                return list.Count == 0 ? null : list.Select(o => Scalar(o)!.Trim()).ToList();
            case JsonObject obj:
            {
                if (obj.Any(p => Scalar(p.Value) is null))
                {
                    ctx.Add(field, "every option must be text");
                    return null;
                }
                var pairs = obj.Select(p => (Key: p.Key.Trim(), Value: Scalar(p.Value)!.Trim())).ToList();
                if (pairs.Count == 0)
                {
                    return null;
                }
                if (pairs.All(p => SeedFields.OptionLetter(p.Key) is not null || (p.Key.Length == 1 && char.IsAsciiLetterUpper(p.Key[0]))))
                {
                    // Keys are letters: put them in letter order and refuse a gap, which would shift every later letter.
                    var ordered = pairs.OrderBy(p => char.ToUpperInvariant(p.Key[0])).ToList();
                    for (var i = 0; i < ordered.Count; i++)
                    {
                        var expected = (char)('A' + i);
                        if (char.ToUpperInvariant(ordered[i].Key[0]) != expected)
                        {
                            ctx.Add(field, $"option {ordered[i].Key} without {expected}; option letters must run A, B, C… with no gap");
                            return null;
                        }
                    }
                    return ordered.Select(p => p.Value).ToList();
                }
                return pairs.Select(p => p.Value).ToList();
            }
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
            {
                var text = value.GetValue<string>().Trim();
                if (text.Length == 0)
                {
                    return null;
                }
                if (depth == 0 && text[0] is '{' or '[' or '(')
                {
                    JsonNode? parsed;
                    try
                    {
                        parsed = PyLiteral.Parse(text);
                    }
                    catch (FormatException e)
                    {
                        ctx.Add(field, $"holds a dictionary or list that cannot be read: {e.Message}");
                        return null;
                    }
                    return parsed is null ? null : OptionsFrom(ctx, parsed, field, depth + 1);
                }
                if (text.Contains('|'))
                {
                    return text.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
                }
                ctx.Add(field, "must be a list or a dictionary of options (JSON, Python quoting, or values separated by |)");
                return null;
            }
            default:
                ctx.Add(field, "must be a list or a dictionary of options");
                return null;
        }
    }

    private static void AppendPassages(Context ctx, StringBuilder sb, JsonNode row, string? path)
    {
        if (path is null || Get(row, path) is not { } node)
        {
            return;
        }
        var parts = new List<string>();
        if (node is JsonArray list)
        {
            // TAT-QA paragraphs carry an order; keep it when given.
            var items = list.Select((p, i) => (p, i)).OrderBy(x => x.p is JsonObject o && Scalar(o["order"]) is { } ord
                && int.TryParse(ord, CultureInfo.InvariantCulture, out var n) ? n : x.i).Select(x => x.p);
            foreach (var p in items)
            {
                var text = p is JsonObject o ? Scalar(o["text"]) : Scalar(p);
                if (text is null)
                {
                    ctx.Add(path, "must hold text passages (strings or objects with \"text\")");
                    return;
                }
                parts.Add(text.Trim());
            }
        }
        else if (Scalar(node) is { } text)
        {
            parts.Add(text.Trim());
        }
        else
        {
            ctx.Add(path, "must be text or a list of passages");
            return;
        }
        var joined = string.Join("\n", parts.Where(p => p.Length > 0 && p != "."));
        if (joined.Length > 0)
        {
            sb.Append(joined).Append("\n\n");
        }
    }

    /// <summary>The table as Markdown, first row as the header; a pipe inside a cell is escaped so columns stay put.</summary>
    public static string MarkdownTable(IReadOnlyList<IReadOnlyList<string>> rows)
    {
        if (rows.Count == 0)
        {
            return "";
        }
        var width = rows.Max(r => r.Count);
        static string Cell(string c) => c.Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ").Trim();
        string Line(IReadOnlyList<string> r) => "| " + string.Join(" | ", Enumerable.Range(0, width).Select(i => i < r.Count ? Cell(r[i]) : "")) + " |";
        var sb = new StringBuilder();
        sb.Append(Line(rows[0])).Append('\n');
        sb.Append("|").Append(string.Concat(Enumerable.Repeat(" --- |", width))).Append('\n');
        foreach (var r in rows.Skip(1))
        {
            sb.Append(Line(r)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The value at <paramref name="path"/>: dots go into objects (or array positions), <c>a|b</c> takes the first present and not empty.</summary>
    public static JsonNode? Get(JsonNode? root, string? path)
    {
        if (root is null || string.IsNullOrWhiteSpace(path))
        {
            return null;
        }
        JsonNode? empty = null;
        foreach (var alternative in path.Split('|'))
        {
            JsonNode? node = root;
            foreach (var part in alternative.Trim().Split('.'))
            {
                node = node switch
                {
                    JsonObject o => o.TryGetPropertyValue(part, out var v) ? v : o.FirstOrDefault(p => p.Key.Equals(part, StringComparison.OrdinalIgnoreCase)).Value,
                    JsonArray a when int.TryParse(part, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < a.Count => a[i],
                    _ => null,
                };
                if (node is null)
                {
                    break;
                }
            }
            if (node is JsonValue v2 && v2.GetValueKind() == JsonValueKind.String && string.IsNullOrWhiteSpace(v2.GetValue<string>()))
            {
                // Empty: try the next alternative, but an empty field is still "empty", not "missing".
                empty ??= node;
                continue;
            }
            if (node is not null)
            {
                return node;
            }
        }
        return empty;
    }

    /// <summary>The text at a path: strings as they are, numbers and booleans as written, a list of values joined (TAT-QA span answers).</summary>
    private static string? Text(Context ctx, JsonNode scope, string? path, string prefix)
    {
        var node = Get(scope, path);
        if (node is null)
        {
            return null;
        }
        if (Scalar(node) is { } text)
        {
            return text;
        }
        if (node is JsonArray list && list.All(i => Scalar(i) is not null))
        {
            return string.Join(", ", list.Select(i => Scalar(i)!.Trim()));
        }
        ctx.Add(prefix + path, "must be text, a number or a list of values");
        return null;
    }

    private static string? Scalar(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            _ => null,
        }
        : null;
}
