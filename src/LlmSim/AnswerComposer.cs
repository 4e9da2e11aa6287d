using System.Security.Cryptography;
using System.Text;

namespace DeepFinance.LlmSim;

/// <summary>How an answer was produced; sent back in the <c>x-llmsim-mode</c> header.</summary>
public enum AnswerMode
{
    Scripted,
    OracleCorrect,
    OracleWrong,
    Default,
    ScrReflection,
    ScrRewriteFixed,
    Derived,
    DerivedMalformed,
    Classified,
    ClassifyMalformed,
}

/// <summary>Reasoning and final content before they are put into a provider's shape.</summary>
public sealed record SimAnswer(string? Reasoning, string Content, AnswerMode Mode);

/// <summary>Chooses and writes the answer to a request: scripted, oracle, or the default.</summary>
public sealed class AnswerComposer
{
    private readonly CachedFile<IReadOnlyList<OracleEntry>> _oracle = new(AnswerFileReader.ReadOracle);
    private readonly CachedFile<IReadOnlyList<ScriptEntry>> _script = new(AnswerFileReader.ReadScript);

    /// <summary>A2Q/T2Q answers and the questions they taught the oracle.</summary>
    public DerivedAnswers Derived { get; } = new();

    /// <summary>Loads the configured files now, so a bad file is reported early.</summary>
    public void Preload(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _oracle.Get(options.OracleFile);
        _script.Get(options.ScriptFile);
    }

    public SimAnswer Compose(ChatRequest request, SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);

        var script = _script.Get(options.ScriptFile)?.FirstOrDefault(s => s.Matches(request));
        if (script is not null)
        {
            return new SimAnswer(script.Reasoning, script.Content, AnswerMode.Scripted);
        }

        // A repair request is the original conversation, the broken answer and the request for valid JSON: the original
        // is answered again whole, and at the repair fault rate broken again.
        if (request.LastUserContent.Contains(DerivedAnswers.RepairTag, StringComparison.Ordinal) && request.Messages.Count > 2)
        {
            var calm = options.Clone();
            calm.DeriveMalformedRate = 0;
            var again = Compose(request with { Messages = [.. request.Messages.Take(request.Messages.Count - 2)] }, calm);
            return Draw(request).Draw < options.RepairFailRate ? DerivedAnswers.Broken(again) : again;
        }
        var systemText = string.Join("\n", request.Messages.Where(m => m.Role == "system").Select(m => m.Content));
        // An extract request carries a passage, not an oracle question: its pairs come from the passage text.
        if (systemText.Contains(DerivedAnswers.ExtractTag, StringComparison.Ordinal))
        {
            return Derived.Extract(request, options, Draw(request).Pick);
        }

        var oracle = _oracle.Get(options.OracleFile);
        var entry = oracle is null ? null : FindOracle(oracle, request.LastUserContent);
        // Questions an A2Q or T2Q answer proposed are known too, so sampling them verifies against their answers.
        if (Derived.Find(request.LastUserContent) is { } learned && (entry is null || learned.Key.Length > entry.Key.Length))
        {
            entry = learned;
        }
        // Self-correction and extraction steps are told apart by the tag their templates carry in the system message.
        var system = string.Join("\n", request.Messages.Where(m => m.Role == "system").Select(m => m.Content));
        if (system.Contains(ClassifyAnswers.Tag, StringComparison.Ordinal))
        {
            // Labels for any question: the oracle's when it knows the question, else a keyword guess.
            return ClassifyAnswers.Answer(entry, request, options);
        }
        if (entry is null)
        {
            return DefaultAnswer(request.LastUserContent);
        }

        var (draw, pick) = Draw(request);
        if (system.Contains(DerivedAnswers.A2qTag, StringComparison.Ordinal))
        {
            return Derived.A2q(entry, request, options, pick);
        }
        if (system.Contains(DerivedAnswers.T2qTag, StringComparison.Ordinal))
        {
            return Derived.T2q(entry, request, options, pick);
        }
        if (system.Contains(ReflectTag, StringComparison.Ordinal))
        {
            return Reflection(entry, draw < options.ScrLeakRate, pick);
        }
        if (system.Contains(RewriteTag, StringComparison.Ordinal))
        {
            return draw < options.ScrFixRate ? Rewrite(entry, pick) : Wrong(entry, pick);
        }
        return draw < options.CorrectProbability ? Correct(entry, pick) : Wrong(entry, pick);
    }

    /// <summary>Carried by the reflection template of a self-correction run.</summary>
    public const string ReflectTag = "[scr:reflect]";

    /// <summary>Carried by the rewrite template of a self-correction run.</summary>
    public const string RewriteTag = "[scr:rewrite]";

    /// <summary>
    /// A critique of the attempt that points at the step that usually slips. With <paramref name="leak"/> it also gives the
    /// oracle's answer away, the way a careless reflection would, so the leak screen has something to flag.
    /// </summary>
    private static SimAnswer Reflection(OracleEntry entry, bool leak, ulong pick)
    {
        var chinese = TokenCounter.ContainsCjk(entry.Question);
        string content;
        if (chinese)
        {
            content = (pick % 3) switch
            {
                0 => "第 3 步的推导值得怀疑：代入公式时的数据或数量级可能有误，应当逐项核对已知条件，并重新检查单位和符号。",
                1 => "这份解答的框架没有问题，但在关键计算那一步可能用错了公式或漏掉了一个条件，建议从已知条件重新推导一遍。",
                _ => "结论与题意可能不符：第 3 步对概念的理解不够准确，需要重新辨析各选项或各数据之间的关系，再检查结果是否合理。",
            };
            if (leak)
            {
                content += (pick & 4) == 0 ? $"参考答案是 {entry.Answer}。" : $"其实正确答案应该是 {entry.Answer}。";
            }
        }
        else
        {
            content = (pick % 3) switch
            {
                0 => "Step 3 deserves suspicion: a figure or its magnitude may have been plugged into the formula wrongly. Re-check each given fact, then the units and the sign.",
                1 => "The outline is sound, but the key calculation may use the wrong formula or drop a condition. Derive it again from the given facts.",
                _ => "The conclusion may not fit the question: step 3 reads the concept loosely. Tell the options or figures apart again, then check that the result is plausible.",
            };
            if (leak)
            {
                content += (pick & 4) == 0 ? $" The correct answer is {entry.Answer}." : $" The ground truth is {entry.Answer}.";
            }
        }

        var reasoning = chinese ? "对照题目逐步检查这份解答，找出最可能出错的一步。" : "Walk through the attempt against the question and find the step most likely to be wrong.";
        return new SimAnswer(reasoning, content, AnswerMode.ScrReflection);
    }

    /// <summary>A continuation that re-derives the result and reaches the oracle's answer through a computation.</summary>
    private static SimAnswer Rewrite(OracleEntry entry, ulong pick)
    {
        var chinese = TokenCounter.ContainsCjk(entry.Question);
        string reasoning;
        if (chinese)
        {
            reasoning = string.Join('\n',
                (pick & 1) == 0 ? "等一下，按照检查意见重新审视第 3 步。" : "再想深一点：刚才第 3 步确实站不住。",
                "重新列出已知条件，逐项代入正确的公式。",
                $"重新计算得到 {entry.Answer}。",
                "复核单位、符号和数量级，这一次结果合理。");
        }
        else
        {
            reasoning = string.Join('\n',
                (pick & 1) == 0 ? "Wait, following the critique, look at step 3 again." : "Thinking a little deeper: step 3 does not hold.",
                "List the given facts again and plug each into the right formula.",
                $"Recomputing gives {entry.Answer}.",
                "Units, sign and magnitude check out this time.");
        }

        return new SimAnswer(reasoning, FinalContent(chinese, entry.Answer), AnswerMode.ScrRewriteFixed);
    }

    /// <summary>The entry whose question occurs in the text (white space ignored); the longest wins.</summary>
    public static OracleEntry? FindOracle(IReadOnlyList<OracleEntry> entries, string text)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var key = TextKey.Of(text ?? string.Empty);
        OracleEntry? best = null;
        foreach (var entry in entries)
        {
            if ((best is null || entry.Key.Length > best.Key.Length) && key.Contains(entry.Key, StringComparison.Ordinal))
            {
                best = entry;
            }
        }

        return best;
    }

    /// <summary>A uniform number in [0,1) and a second value for choices, both fixed by messages, model and seed.</summary>
    public static (double Draw, ulong Pick) Draw(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var seed = request.Seed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{request.Transcript}\u001d{request.Model}\u001d{seed}"));
        var first = BitConverter.ToUInt64(hash, 0);
        var second = BitConverter.ToUInt64(hash, 8);
        return ((first >> 11) * (1.0 / (1UL << 53)), second);
    }

    private static SimAnswer Correct(OracleEntry entry, ulong pick)
    {
        var chinese = TokenCounter.ContainsCjk(entry.Question);
        var topic = Snippet(entry.Question);
        var opening = (pick & 1) == 0;
        string reasoning;
        if (chinese)
        {
            reasoning = string.Join('\n',
                opening ? $"1. 先弄清题目在问什么：{topic}" : $"1. 审题：{topic}",
                "2. 列出题中的已知条件，找到需要用到的金融知识和公式。",
                $"3. 按条件一步步推导，得到结果 {entry.Answer}。",
                "4. 复核单位、符号和数量级，结果合理。");
        }
        else
        {
            reasoning = string.Join('\n',
                opening ? $"1. First, work out what is being asked: {topic}" : $"1. Restate the question: {topic}",
                "2. List the given facts and the finance rule or formula that applies.",
                $"3. Apply it step by step, which gives {entry.Answer}.",
                "4. Check units, sign and magnitude; the result is consistent.");
        }

        return new SimAnswer(reasoning, FinalContent(chinese, entry.Answer), AnswerMode.OracleCorrect);
    }

    private static SimAnswer Wrong(OracleEntry entry, ulong pick)
    {
        var chinese = TokenCounter.ContainsCjk(entry.Question);
        var miss = NearMiss.Make(entry.Answer, entry.Options, pick >> 1);
        var topic = Snippet(entry.Question);
        string reasoning;
        if (chinese)
        {
            reasoning = string.Join('\n',
                $"1. 审题：{topic}",
                "2. 列出题中的已知条件，找到需要用到的金融知识和公式。",
                $"3. 推导时{miss.SlipChinese}，由此得到 {miss.Answer}。",
                "4. 粗略检查后没有发现问题，采用这一结果。");
        }
        else
        {
            reasoning = string.Join('\n',
                $"1. Restate the question: {topic}",
                "2. List the given facts and the finance rule or formula that applies.",
                $"3. {miss.SlipEnglish}, which leads to {miss.Answer}.",
                "4. A quick check finds nothing odd, so this result stands.");
        }

        return new SimAnswer(reasoning, FinalContent(chinese, miss.Answer), AnswerMode.OracleWrong);
    }

    private static SimAnswer DefaultAnswer(string question)
    {
        if (TokenCounter.ContainsCjk(question))
        {
            return new SimAnswer(
                "1. 题目所需的数据和背景信息不足。\n2. 在缺少这些信息的情况下，无法得出可靠的结论。",
                "我无法确定这个问题的答案。",
                AnswerMode.Default);
        }

        return new SimAnswer(
            "1. The question lacks the data and context needed.\n2. Without them no reliable conclusion can be drawn.",
            "I cannot determine this.",
            AnswerMode.Default);
    }

    private static string FinalContent(bool chinese, string answer)
    {
        if (chinese)
        {
            return $"综合以上分析得出结论。\n答案：{answer}";
        }

        var end = answer.EndsWith('.') ? string.Empty : ".";
        return $"Based on the analysis above:\nThe answer is {answer}{end}";
    }

    private static string Snippet(string question)
    {
        var flat = string.Join(' ', question.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var runes = flat.EnumerateRunes().ToList();
        return runes.Count <= 60 ? flat : string.Concat(runes.Take(60).Select(r => r.ToString())) + "…";
    }
}
