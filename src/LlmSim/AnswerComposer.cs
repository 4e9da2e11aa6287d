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
}

/// <summary>Reasoning and final content before they are put into a provider's shape.</summary>
public sealed record SimAnswer(string? Reasoning, string Content, AnswerMode Mode);

/// <summary>Chooses and writes the answer to a request: scripted, oracle, or the default.</summary>
public sealed class AnswerComposer
{
    private readonly CachedFile<IReadOnlyList<OracleEntry>> _oracle = new(AnswerFileReader.ReadOracle);
    private readonly CachedFile<IReadOnlyList<ScriptEntry>> _script = new(AnswerFileReader.ReadScript);

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

        var oracle = _oracle.Get(options.OracleFile);
        var entry = oracle is null ? null : FindOracle(oracle, request.LastUserContent);
        if (entry is null)
        {
            return DefaultAnswer(request.LastUserContent);
        }

        var (draw, pick) = Draw(request);
        return draw < options.CorrectProbability ? Correct(entry, pick) : Wrong(entry, pick);
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
