using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace DeepFinance.Core.Curation;

/// <summary>
/// Every word list the normaliser and the duplicate guard use, in one place: polite fillers that carry no
/// meaning, negations, polarity words, the quantities a question can ask for, clause connectives and the few
/// function words a rewording may drop. Chinese terms are matched on the CJK characters of a question, English
/// ones as whole lower-case words.
/// </summary>
internal static partial class CurationLexicon
{
    /// <summary>
    /// Chinese politeness and "please work this out" phrases. Longer forms come first so 麻烦帮我算一下 goes whole
    /// rather than leaving 算 behind.
    /// </summary>
    [GeneratedRegex("请问一下|请问|麻烦(?:你|您)?(?:帮(?:我|忙))?(?:计算一下|算一下|算算|看一下|问一下)?|(?:请|能否|能不能|可以)?帮(?:我|忙)(?:计算一下|算一下|算算|看看|看一下|问一下)?|一下|您好|你好|谢谢")]
    internal static partial Regex ChineseFillers();

    /// <summary>English politeness: please, kindly, "could you (please) …" before a request verb, "tell me" before a question word.</summary>
    [GeneratedRegex(@"\b(?:(?:could|can|would|will) you(?: please| kindly)?(?: help me)?(?: to)?(?=\s+(?:calculate|compute|work|tell|explain|determine|find|estimate|show|give|list|describe|help|figure|check|answer|say|let)\b)|please|kindly|pls|plz|help me(?: to)?(?=\s+(?:calculate|compute|work|determine|find|estimate|figure|understand)\b)|(?:tell me|i(?:'d| would) like to know|i want to know|i wonder)(?=\s+(?:what|how|which|whether|if|why|when|the)\b)|hi|hello|thanks|thank you)\b")]
    internal static partial Regex EnglishFillers();

    /// <summary>A request opening with 请 (请计算, 请判断): the 请 is politeness, not content.</summary>
    [GeneratedRegex(@"(^|[\s\p{P}])请(?=计|算|问|说|判|给|列|简|回答|分析|解释|写|选|指出|估|比较|描述|概述|举)")]
    internal static partial Regex LeadingPlease();

    /// <summary>Words whose count must agree between duplicates: a negation flips the question.</summary>
    internal static readonly FrozenSet<string> Negations = FrozenSet.ToFrozenSet(
    [
        "不", "非", "未", "没", "无", "否", "勿", "莫",
        "not", "no", "never", "none", "nor", "neither", "without", "cannot",
    ]);

    /// <summary>Pairs of opposite words (only their counts matter: 正确 against 错误, buy against sell).</summary>
    internal static readonly IReadOnlyList<string> PolarityTerms =
    [
        "正确", "错误", "同向", "反向", "正向", "增加", "减少", "上升", "下降", "上涨", "下跌", "提高", "降低",
        "高于", "低于", "大于", "小于", "买入", "卖出", "多头", "空头", "溢价", "折价", "升值", "贬值", "借方", "贷方",
        "盈利", "亏损", "流入", "流出", "最高", "最低", "最大", "最小",
        "true", "false", "correct", "incorrect", "increase", "decrease", "rise", "fall", "higher", "lower", "above",
        "below", "more", "less", "buy", "sell", "bought", "sold", "long", "short", "premium", "discount", "gain",
        "loss", "inflow", "outflow", "debit", "credit", "appreciate", "depreciate", "most", "least", "maximum",
        "minimum", "except",
    ];

    /// <summary>What a financial question asks for; two questions asking for different ones are different questions.</summary>
    internal static readonly IReadOnlyList<string> QuantityTerms =
    [
        "现值", "终值", "年金", "利息", "本息", "本金", "首月", "末月", "每月", "月供", "总额", "市盈率", "市净率", "市销率",
        "收益率", "杠杆率", "充足率", "久期", "凸性", "净值", "份额", "税额", "净利润", "毛利", "现金流", "内部收益率",
        "净现值", "回收期", "实际利率", "名义利率", "年化", "单利", "复利", "等额本息", "等额本金", "价格", "面值", "票面",
        "npv", "irr", "pv", "fv", "pmt", "wacc", "eps", "roe", "roa", "roi", "ytm", "duration", "convexity", "macaulay",
        "modified", "price", "yield", "coupon", "payback", "present", "future", "annuity", "perpetuity", "interest",
        "principal", "effective", "nominal", "simple", "compound", "beta", "sharpe", "variance", "deviation", "return",
        "payment", "first", "last", "monthly", "annual", "total", "net", "gross",
    ];

    /// <summary>Words that join clauses: a number's context stops at them, and clause-order swaps move them about.</summary>
    internal static readonly FrozenSet<string> Connectives = FrozenSet.ToFrozenSet(
    [
        "and", "with", "or", "while", "then", "but", "given", "if", "when", "assuming", "assume",
        "和", "与", "及", "且", "并", "而",
    ]);

    /// <summary>Function words a rewording may add or drop without changing what is asked.</summary>
    internal static readonly FrozenSet<string> Ignorable = FrozenSet.ToFrozenSet(
    [
        "a", "an", "the", "的", "了", "呢", "吗", "啊", "吧",
    ]);

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);

    /// <summary>One string instance per short token, so a large index does not hold a million copies of 元.</summary>
    internal static string Intern(string token) => token.Length > 12 ? token : Pool.GetOrAdd(token, token);
}
