using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeepFinance.LlmSim;

/// <summary>
/// Answers the A2Q (<c>[a2q:generate]</c>) and T2Q (<c>[t2q:mine]</c>) steps with JSON in the shape their templates ask
/// for: counterfactual variants of an oracle question, or knowledge points mined from its reasoning. Each well-formed new
/// question is learned, so the simulator's later samples of it answer from the oracle like any file entry. At the
/// configured rates an answer is broken JSON, a proposal lacks a field, or a variant is its parent again.
/// </summary>
public sealed partial class DerivedAnswers
{
    public const string A2qTag = "[a2q:generate]";
    public const string T2qTag = "[t2q:mine]";
    public const string ExtractTag = "[extract:qa]";
    public const string RepairTag = "[json:repair]";

    private readonly ConcurrentDictionary<string, OracleEntry> _learned = new(StringComparer.Ordinal);

    /// <summary>Questions learned from earlier A2Q/T2Q answers.</summary>
    public IReadOnlyCollection<OracleEntry> Learned => (IReadOnlyCollection<OracleEntry>)_learned.Values;

    public SimAnswer A2q(OracleEntry parent, ChatRequest request, SimulatorOptions options, ulong pick)
    {
        var chinese = TokenCounter.ContainsCjk(parent.Question);
        var count = Math.Clamp(Number(CountPattern().Match(request.LastUserContent), 2), 1, 10);
        var variants = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var draw = Unit(pick, i, 1);
            var (question, answer, kind, before, after) = Perturb(parent, chinese, Mix(pick, i, 2));
            if (draw < options.DeriveIdenticalRate)
            {
                // The parent again, spaced differently: only normalisation tells them apart.
                question = "  " + parent.Question.Replace(" ", "  ", StringComparison.Ordinal) + " ";
            }
            else if (Unit(pick, i, 3) >= options.DeriveMissingFieldRate)
            {
                Learn(question, answer, parent.Options);
            }
            var variant = new JsonObject { ["question"] = question, ["answer"] = answer };
            variant["perturbation"] = new JsonObject { ["kind"] = kind, ["before"] = before, ["after"] = after };
            if (Unit(pick, i, 3) < options.DeriveMissingFieldRate)
            {
                variant.Remove((Mix(pick, i, 4) & 1) == 0 ? "answer" : "perturbation");
            }
            variants.Add(variant);
        }
        var content = new JsonObject { ["variants"] = variants }.ToJsonString(Json);
        return Finish(content, chinese ? "改动原题的一个关键条件，重新推出结果并写出对应的题目。" : "Change one key fact, work out the new result, and write the question it answers.",
            Unit(pick, 99, 5) < options.DeriveMalformedRate);
    }

    public SimAnswer T2q(OracleEntry parent, ChatRequest request, SimulatorOptions options, ulong pick)
    {
        var chinese = TokenCounter.ContainsCjk(parent.Question);
        var text = request.LastUserContent;
        var points = Math.Clamp(Number(PointsPattern().Match(text), 2), 1, 10);
        var perPoint = Math.Clamp(Number(PerPointPattern().Match(text), 1), 1, 5);
        var list = new JsonArray();
        var topic = Snippet(parent.Question);
        for (var p = 0; p < points; p++)
        {
            var kind = Kinds[(int)(Mix(pick, p, 6) % (ulong)Kinds.Length)];
            var statement = chinese
                ? $"解答“{topic}”时默认使用的{KindChinese(kind)}（第 {p + 1} 条）"
                : $"The {kind} the solution of \"{topic}\" relies on (point {p + 1})";
            var questions = new JsonArray();
            for (var q = 0; q < perPoint; q++)
            {
                var i = p * 10 + q;
                var (question, answer) = Mine(parent, chinese, statement, p, q);
                if (Unit(pick, i, 1) < options.DeriveIdenticalRate)
                {
                    question = parent.Question;
                }
                else if (Unit(pick, i, 3) >= options.DeriveMissingFieldRate)
                {
                    Learn(question, answer, []);
                }
                var item = new JsonObject { ["question"] = question, ["answer"] = answer };
                if (Unit(pick, i, 3) < options.DeriveMissingFieldRate)
                {
                    item.Remove("answer");
                }
                questions.Add(item);
            }
            list.Add(new JsonObject { ["kind"] = kind, ["statement"] = statement, ["questions"] = questions });
        }
        var content = new JsonObject { ["points"] = list }.ToJsonString(Json);
        return Finish(content, chinese ? "找出推理中没有明说却用到的知识，再为每条知识出题。" : "Find the knowledge the reasoning used without saying so, then write questions on each.",
            Unit(pick, 99, 5) < options.DeriveMalformedRate);
    }

    /// <summary>
    /// Pairs drawn from the passage between <c>&lt;&lt;&lt;</c> and <c>&gt;&gt;&gt;</c>: a sentence with a figure becomes a
    /// fill-in question whose answer is that figure; other sentences become true/false statements. At the configured
    /// rates a pair states a figure the passage lacks, lacks its answer, or the whole answer is broken JSON.
    /// </summary>
    public SimAnswer Extract(ChatRequest request, SimulatorOptions options, ulong pick)
    {
        var text = request.LastUserContent;
        var open = text.IndexOf("<<<", StringComparison.Ordinal);
        var close = text.LastIndexOf(">>>", StringComparison.Ordinal);
        var passage = open >= 0 && close > open ? text[(open + 3)..close].Trim() : "";
        var titleMatch = TitlePattern().Match(text);
        var title = titleMatch.Success ? titleMatch.Groups[1].Value.Trim() : "";
        var chinese = TokenCounter.ContainsCjk(passage);
        var count = Math.Clamp(Number(PairsPattern().Match(text), 3), 1, 10);
        var sentences = SentencePattern().Matches(passage).Select(m => m.Value.Trim()).Where(x => x.Length >= 8).Distinct().ToList();
        var withFigures = sentences.Where(x => FigurePattern().IsMatch(x)).ToList();
        var plain = sentences.Except(withFigures).ToList();
        var pairs = new JsonArray();
        for (var i = 0; i < count && i < sentences.Count; i++)
        {
            string question, answer, type;
            if (i < withFigures.Count)
            {
                var sentence = withFigures[i];
                var figure = FigurePattern().Match(sentence);
                var blank = sentence[..figure.Index] + "____" + sentence[(figure.Index + figure.Length)..];
                answer = figure.Value;
                question = chinese
                    ? $"填空（{title}）：{blank} 空格处应填的数值是多少？"
                    : $"Fill in the figure ({title}): {blank} What is the missing figure?";
                type = "Knowledge QA";
                if (Unit(pick, i, 7) < options.ExtractUnsupportedRate)
                {
                    // A figure the passage never states: the "supported by the passage" check has something to refuse.
                    var value = double.Parse(NumberPattern().Match(answer).Value, CultureInfo.InvariantCulture);
                    answer = answer.Replace(NumberPattern().Match(answer).Value, Format(value * 10 + 7), StringComparison.Ordinal);
                }
            }
            else
            {
                var sentence = plain[(i - withFigures.Count) % Math.Max(plain.Count, 1)];
                question = chinese ? $"判断对错（{title}）：{sentence}" : $"True or false ({title}): {sentence}";
                answer = chinese ? "正确" : "True";
                type = "Knowledge QA";
            }
            var missing = Unit(pick, i, 3) < options.DeriveMissingFieldRate;
            if (!missing)
            {
                Learn(question, answer, []);
            }
            var pair = new JsonObject { ["question"] = question, ["options"] = null, ["answer"] = answer, ["taskType"] = type };
            if (missing)
            {
                pair.Remove("answer");
            }
            pairs.Add(pair);
            if (i >= withFigures.Count && plain.Count == 0)
            {
                break;
            }
        }
        var content = new JsonObject { ["pairs"] = pairs }.ToJsonString(Json);
        return Finish(content, chinese ? "逐句读这段文字，挑出明确写出的事实，各出一道可以核对的题。" : "Read the passage sentence by sentence and turn each stated fact into a checkable question.",
            Unit(pick, 99, 5) < options.DeriveMalformedRate);
    }

    /// <summary>The same answer cut off the way a careless answer breaks, for a repair that fails again.</summary>
    public static SimAnswer Broken(SimAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return new SimAnswer(answer.Reasoning, answer.Content[..(answer.Content.Length * 2 / 3)], AnswerMode.DerivedMalformed);
    }

    /// <summary>The learned entry whose question occurs in the text; the longest wins.</summary>
    public OracleEntry? Find(string text) => _learned.IsEmpty ? null : AnswerComposer.FindOracle([.. _learned.Values], text);

    private void Learn(string question, string answer, IReadOnlyList<string> options)
    {
        if (TextKey.Of(question).Length > 0)
        {
            _learned[TextKey.Of(question)] = new OracleEntry(question.Trim(), answer, options, 0);
        }
    }

    private static SimAnswer Finish(string content, string reasoning, bool malformed)
    {
        // Broken the way a cut-off or careless answer breaks: the object is never closed.
        var text = malformed ? content[..(content.Length * 2 / 3)] : content;
        return new SimAnswer(reasoning, text, malformed ? AnswerMode.DerivedMalformed : AnswerMode.Derived);
    }

    private static readonly string[] Kinds = ["formula", "rule", "definition", "convention"];

    private static readonly double[] Factors = [2, 3, 0.5, 1.5, 4];

    private static (string Question, string Answer, string Kind, string Before, string After) Perturb(OracleEntry parent, bool chinese, ulong pick)
    {
        var answer = parent.Answer;
        var number = NumberPattern().Match(parent.Question);
        var numericAnswer = NumberPattern().Match(answer);
        if (number.Success && numericAnswer.Success && parent.Options.Count == 0)
        {
            var factor = Factors[(int)(pick % (ulong)Factors.Length)];
            var before = number.Value;
            var after = Format(double.Parse(before, CultureInfo.InvariantCulture) * factor);
            var question = parent.Question[..number.Index] + after + parent.Question[(number.Index + number.Length)..];
            var newAnswer = answer[..numericAnswer.Index] + FormatLike(double.Parse(numericAnswer.Value, CultureInfo.InvariantCulture) * factor, numericAnswer.Value)
                + answer[(numericAnswer.Index + numericAnswer.Length)..];
            return (question, newAnswer, "number", before, after);
        }
        // Options given apart, or listed inside the question ("A. … B. …").
        var optionCount = parent.Options.Count > 0 ? parent.Options.Count
            : InlineOption().Matches(parent.Question).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).Count();
        if (optionCount > 1 && answer.Trim().Length == 1 && char.IsAsciiLetterUpper(answer.Trim()[0]) && answer.Trim()[0] - 'A' < optionCount)
        {
            var index = answer.Trim()[0] - 'A';
            var other = (char)('A' + ((index + 1 + (int)(pick % (ulong)(optionCount - 1))) % optionCount));
            var question = chinese ? $"下列选项中，不符合题意的是哪一项？{parent.Question}" : $"Which option does NOT fit? {parent.Question}";
            return (question, other.ToString(), "negation", chinese ? "符合题意" : "fits", chinese ? "不符合题意" : "does not fit");
        }
        if (Truth(answer) is { } truth)
        {
            var question = chinese ? $"假设题中的前提不成立：{parent.Question}" : $"Suppose the stated premise does not hold: {parent.Question}";
            var flipped = chinese ? (truth ? "错误" : "正确") : (truth ? "False" : "True");
            return (question, flipped, "condition", chinese ? "前提成立" : "premise holds", chinese ? "前提不成立" : "premise does not hold");
        }
        // Nothing the simulator can change safely: an open-text variant the rules cannot check.
        var open = chinese ? $"在监管要求更严格的情形下：{parent.Question}" : $"Under stricter regulation: {parent.Question}";
        return (open, chinese ? "需要视具体情况而定" : "It depends on the details", "rule", chinese ? "现行规定" : "current rules", chinese ? "更严格的规定" : "stricter rules");
    }

    private static (string Question, string Answer) Mine(OracleEntry parent, bool chinese, string statement, int point, int index)
    {
        var numericAnswer = NumberPattern().Match(parent.Answer);
        if (numericAnswer.Success && point == 0)
        {
            var factor = Factors[index % Factors.Length];
            var value = FormatLike(double.Parse(numericAnswer.Value, CultureInfo.InvariantCulture) * factor, numericAnswer.Value);
            var answer = parent.Answer[..numericAnswer.Index] + value + parent.Answer[(numericAnswer.Index + numericAnswer.Length)..];
            var scaled = Format(factor);
            return chinese
                ? ($"知识点练习：沿用“{Snippet(parent.Question)}”的计算规则，若各项金额均变为原来的 {scaled} 倍，结果是多少？", answer)
                : ($"Knowledge check: using the same rule as \"{Snippet(parent.Question)}\", with every amount multiplied by {scaled}, what is the result?", answer);
        }
        var claim = index % 2 == 0;
        return chinese
            ? ($"判断对错（知识点 {point + 1}-{index + 1}）：{statement}{(claim ? "适用于这类题目。" : "与这类题目无关。")}", claim ? "正确" : "错误")
            : ($"True or false (point {point + 1}.{index + 1}): {statement} {(claim ? "applies to questions of this kind." : "has no bearing on questions of this kind.")}", claim ? "True" : "False");
    }

    private static bool? Truth(string answer) => answer.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "正确" or "对" or "是" => true,
        "false" or "no" or "错误" or "错" or "否" => false,
        _ => null,
    };

    private static string KindChinese(string kind) => kind switch
    {
        "formula" => "公式",
        "rule" => "规则",
        "definition" => "定义",
        _ => "市场惯例",
    };

    private static string Format(double value) => Math.Round(value, 4).ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>Keeps the decimals the original answer showed ("3.00" stays two places), so its precision is not loosened.</summary>
    private static string FormatLike(double value, string original)
    {
        var dot = original.IndexOf('.', StringComparison.Ordinal);
        var places = dot < 0 ? 0 : original.Length - dot - 1;
        var rounded = Math.Round(value, Math.Max(places, 0));
        return rounded == Math.Round(value, 4) ? rounded.ToString("F" + places, CultureInfo.InvariantCulture) : Format(value);
    }

    private static int Number(Match m, int fallback) => m.Success && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var n) ? n : fallback;

    private static string Snippet(string question)
    {
        var flat = string.Join(' ', question.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 40 ? flat : flat[..40] + "…";
    }

    private static ulong Mix(ulong pick, int index, int salt)
    {
        var x = pick ^ ((ulong)(uint)index * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)salt << 48);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static double Unit(ulong pick, int index, int salt) => (Mix(pick, index, salt) >> 11) * (1.0 / (1UL << 53));

    private static readonly System.Text.Json.JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"(?:^|\s)([A-F])[\.．、]\s?\S")]
    private static partial Regex InlineOption();

    [GeneratedRegex(@"(?:[Aa]t most|最多)\s*(\d+)\s*(?:question|道题)")]
    private static partial Regex PairsPattern();

    [GeneratedRegex(@"(?:Document:|文档：)\s*(.+)")]
    private static partial Regex TitlePattern();

    [GeneratedRegex(@"[^。！？!?\n]+?(?:[。！？!?]|\.(?=\s|$)|$)", RegexOptions.Multiline)]
    private static partial Regex SentencePattern();

    /// <summary>A figure as a passage writes it: a number with its percent sign, if any.</summary>
    [GeneratedRegex(@"\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|\d+(?:\.\d+)?%?")]
    private static partial Regex FigurePattern();

    [GeneratedRegex(@"(\d+)\s*(?:variant|道变体)")]
    private static partial Regex CountPattern();

    [GeneratedRegex(@"(?:[Aa]t most|最多)\s*(\d+)\s*(?:knowledge point|个知识点)")]
    private static partial Regex PointsPattern();

    [GeneratedRegex(@"(\d+)\s*(?:question\(s\) each|道题)")]
    private static partial Regex PerPointPattern();
}
