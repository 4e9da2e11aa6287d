using System.Text.RegularExpressions;

namespace DeepFinance.Core.Privacy.Desensitization;

/// <summary>
/// Person names. Chinese: a surname from the list right after a cue (我叫, 客户, 联系人, 车主, 爱人 …) or
/// right before an honorific (先生, 女士, 经理 …), plus one or two given-name characters. English: one to
/// three capitalised words after a cue ("my name is", "I'm", "Mr.", "customer", "contact" …).
/// Every other occurrence of a name found once is taken too.
/// </summary>
public sealed partial class PersonNameRecognizer : IEntityRecognizer
{
    // Two-character surnames first, so 欧阳 wins over 欧.
    private static readonly string[] CompoundSurnames =
    [
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "轩辕", "澹台", "公冶", "太史", "申屠", "万俟", "闻人", "赫连", "钟离", "宗政", "濮阳", "淳于", "单于", "第五",
    ];

    private static readonly HashSet<char> Surnames =
    [
        .. "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由",
    ];

    // Characters that end a given name: particles, verbs and measure words a name is followed by.
    private static readonly HashSet<char> Stops =
    [
        .. "的了在是想要和与及或说已于为有把被让给对从向将也都就还又今昨去来到买卖办申请存取借贷转用可能会刚正先女经身手电住等现目年月日号共两一百千万亿元这那哪什怎吗呢吧啊么们个每各该其此所如若但而因且并没不很最更太非名姓账卡款额户证公司话邮址上下做去拿交付查问找打开办理需通过以",
    ];

    // Words that begin with a surname character but are not names ("客户高净值", "客户余额").
    private static readonly string[] NotNames =
    [
        "高净值", "高收益", "高风险", "高端", "高于", "高速", "黄金", "金额", "金融", "金价", "余额", "万元", "万份", "方案", "方式", "方面", "方法", "安全", "平安", "时间", "时候", "全部", "全额", "全年", "成本", "成交", "文件", "易方达", "车贷", "车险", "车辆", "房贷", "房子", "房产", "房价", "单位", "包括", "连续", "常用", "明年", "明天", "原来", "原因", "于是", "和我", "谢谢", "周末", "周期", "周年", "钱款", "钱包", "任何", "任意", "管理", "毛利", "石油", "陆续", "程序", "严格", "尚未", "白银", "牛市", "熊市", "信用", "信息", "国债", "国家", "国内", "国际", "华为", "海外", "利息", "利率", "利润", "和解", "关于", "关系", "应该", "应当", "经理", "经营", "华夏", "中信", "招商", "工商", "建设", "农业", "交通", "民生", "光大", "平均", "计算", "计划", "宁波", "温州", "苏州", "常州", "沈阳", "江苏", "江西", "湖南", "湖北", "海南", "云南", "贵州", "广州", "广东", "山东", "山西", "吉林", "南京", "南宁", "武汉", "成都", "重庆", "天津", "杭州", "厦门", "福州", "合肥", "郑州", "长沙", "长春", "西安", "兰州", "银行", "保险", "支付", "元素", "公司", "公积金", "印花税", "区别", "都是", "来自", "那么", "由于", "相关", "相同", "初始", "门槛", "容易", "敬请", "花费", "权益", "强制", "满足", "楼盘", "盘中", "位于", "伊利", "鲁商", "万科", "全家", "平台", "东方财富", "方正", "华泰", "国泰", "海通", "广发", "兴业", "浦发", "宁德", "茅台", "贵州茅台", "邮储", "江南", "苏宁", "京东", "阿里", "腾讯", "百度", "小米", "美团", "蚂蚁", "汇丰", "花旗", "渣打", "星展", "富国", "华宝", "易方达", "南方", "博时", "嘉实", "汇添富", "景顺", "鹏华", "万家", "上投", "申万", "银华", "融通", "长城", "国投",
    ];

    private static readonly string[] ChineseCues =
    [
        "我叫", "我的名字是", "我的名字叫", "名字是", "名字叫", "本人", "姓名", "户名", "客户", "联系人", "持卡人", "开户人", "账户名", "车主", "被保险人", "投保人", "受益人", "借款人", "共同借款人", "担保人", "申请人", "法定代表人", "法人代表", "法人", "代理人", "收款人", "付款人", "汇款人", "爱人", "妻子", "丈夫", "老公", "老婆", "太太", "父亲", "母亲", "爸爸", "妈妈", "儿子", "女儿", "哥哥", "姐姐", "弟弟", "妹妹", "朋友", "同事", "员工", "业主", "房东", "租客", "转账给", "转给", "汇给", "打款给", "我是", "名叫", "叫做", "他叫", "她叫", "委托人", "户主", "监护人", "孩子", "女婿", "儿媳", "岳父", "岳母", "公公", "婆婆", "收件人", "经办人", "负责人", "董事长", "总经理", "经理", "股东", "会计", "出纳",
    ];

    // After these cues a name must be followed by a boundary: "我是" also starts "我是上班族".
    private static readonly HashSet<string> WeakCues = ["我是", "朋友", "同事", "员工"];

    private static readonly string[] Honorifics = ["先生", "女士", "小姐", "太太", "老师", "阿姨", "经理", "律师", "医生"];

    // What follows a name in a query: its owner's identifiers ("王小明的身份证", "李娜手机").
    private static readonly string[] Possessions = ["的身份证", "的手机", "的电话", "的银行卡", "的卡号", "的账户", "的账号", "的邮箱", "的住址", "的护照", "的车牌", "的工资卡", "的公积金", "的社保", "的征信", "身份证号", "手机号", ",男,", ",女,", "(男)", "(女)"];

    // Function words that are also surnames: "和王明的账户" starts the name at 王, not at 和.
    private static readonly HashSet<char> AmbiguousLeads = [.. "和向于及同为在是的把将给对从让被跟与"];

    private static readonly HashSet<string> EnglishStopWords = new(StringComparer.Ordinal)
    {
        "The", "A", "An", "And", "Or", "But", "I", "In", "On", "At", "For", "From", "With", "To", "Of", "My", "Our", "Your", "We", "You", "He", "She", "It", "They", "This", "That", "Is", "Am", "Are",
        "Bank", "Inc", "Ltd", "Co", "Company", "Corp", "Corporation", "Group", "Fund", "Funds", "Trust", "Capital", "Securities", "Treasury", "ETF", "Visa", "Mastercard", "Street", "Road", "Avenue",
        "China", "Chinese", "American", "British", "US", "USD", "RMB", "CNY", "Hong", "Kong", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Please", "Thanks", "Thank", "Hello", "Hi", "Dear",
    };

    public string Name => "PersonNameRecognizer";

    [GeneratedRegex(@"(?<![A-Za-z])(?:[Mm]y name is|[Mm]y name['’]s|I['’]m|I am|[Tt]his is|[Nn]ame:|[Nn]amed|[Cc]ustomer|[Cc]lient|[Cc]ontact(?: person)?:?|[Aa]ccount holder|[Cc]ard ?holder|[Bb]eneficiary|[Ii]nsured|[Pp]olicyholder|[Bb]orrower|[Aa]pplicant|[Ss]pouse|[Ww]ife|[Hh]usband|[Dd]ear|[Ss]igned:?|[Rr]egards,|[Ss]incerely,|[Pp]ayee|[Rr]ecipient|[Oo]n behalf of|[Cc]alled|[Mm]y (?:son|daughter|father|mother|dad|mom|mum|brother|sister|partner|colleague|friend|boss|client|tenant|landlord)|[Ff]ull name:?|[Aa]ccount name:?)\s+(?<name>(?:[A-Z][a-z]+|[A-Z]['’][A-Z][a-z]+)(?:-[A-Z][a-z]+)?(?:\s+[A-Z]\.)?(?:\s+(?:[A-Z][a-z]+|[A-Z]['’][A-Z][a-z]+)(?:-[A-Z][a-z]+)?){0,2})", RegexOptions.CultureInvariant)]
    private static partial Regex EnglishCued();

    [GeneratedRegex(@"(?<![A-Za-z])(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+(?<name>(?:[A-Z][a-z]+|[A-Z]['’][A-Z][a-z]+)(?:-[A-Z][a-z]+)?(?:\s+[A-Z]\.)?(?:\s+(?:[A-Z][a-z]+|[A-Z]['’][A-Z][a-z]+)(?:-[A-Z][a-z]+)?){0,2})", RegexOptions.CultureInvariant)]
    private static partial Regex EnglishTitled();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        var found = new List<EntityCandidate>();
        FindChinese(text, found);
        FindEnglish(text, found);

        // Names listed together: "联系人张伟和李娜", "张伟、李娜".
        for (var i = 0; i < found.Count; i++)
        {
            var end = found[i].End;
            if (end < text.Length && text[end] is '和' or '与' or '跟' or '及' or '、' && Context.IsHan(text[found[i].Start]) && NameAt(text, end + 1) is { } length)
            {
                found.Add(new(EntityTypes.PersonName, end + 1, end + 1 + length, 0.7, Name));
            }
        }

        // A name found once is the same person wherever else it is written.
        var names = found.Select(c => text[c.Start..c.End]).Distinct(StringComparer.Ordinal).ToList();
        var all = new List<EntityCandidate>(found);
        foreach (var name in names)
        {
            for (var at = text.IndexOf(name, StringComparison.Ordinal); at >= 0; at = text.IndexOf(name, at + name.Length, StringComparison.Ordinal))
            {
                var end = at + name.Length;
                if (!all.Any(c => c.Start < end && at < c.End) && IsWholeWord(text, at, end))
                {
                    all.Add(new(EntityTypes.PersonName, at, end, 0.8, Name));
                }
            }
        }

        return all;
    }

    private void FindChinese(string text, List<EntityCandidate> found)
    {
        foreach (var cue in ChineseCues)
        {
            for (var at = text.IndexOf(cue, StringComparison.Ordinal); at >= 0; at = text.IndexOf(cue, at + 1, StringComparison.Ordinal))
            {
                var start = at + cue.Length;
                while (start < text.Length && text[start] is ' ' or ':' or '为' or '是' or '叫')
                {
                    start++;
                }

                if (NameAt(text, start) is not { } length)
                {
                    continue;
                }

                var end = start + length;
                // "客户安心贷", "客户长盈宝": a product name, not a person.
                if (end < text.Length && (text[end] is '宝' or '险' || (text[end] == '贷' && (end + 1 >= text.Length || text[end + 1] != '款'))))
                {
                    continue;
                }

                if (WeakCues.Contains(cue) && end < text.Length && Context.IsHan(text[end]) && text[end] != '的' && !StartsWithAny(text, end, Honorifics))
                {
                    continue;
                }

                found.Add(new(EntityTypes.PersonName, start, end, WeakCues.Contains(cue) ? 0.7 : 0.85, Name));
            }
        }

        foreach (var honorific in Honorifics.Concat(Possessions))
        {
            for (var at = text.IndexOf(honorific, StringComparison.Ordinal); at >= 0; at = text.IndexOf(honorific, at + 1, StringComparison.Ordinal))
            {
                // The longest window of one to three characters before the honorific that reads as a name.
                for (var width = Math.Min(3, at); width >= 1; width--)
                {
                    var start = at - width;
                    var surname = SurnameLength(text, start);
                    if (surname == 0 || surname > width || !Enumerable.Range(start, width).All(i => Context.IsHan(text[i]))
                        || (width > 1 && AmbiguousLeads.Contains(text[start]) && SurnameLength(text, start + 1) > 0)
                        || Enumerable.Range(start + surname, width - surname).Any(i => Stops.Contains(text[i]))
                        || OverlapsNotName(text, start)
                        || (width == surname && !Honorifics.Contains(honorific)))
                    {
                        continue;
                    }

                    // "基金经理": a single surname glued to a preceding word is part of that word, not a name.
                    if (width == 1 && honorific == "经理" && start > 0 && Context.IsHan(text[start - 1]))
                    {
                        break;
                    }

                    found.Add(new(EntityTypes.PersonName, start, at, 0.75, Name));
                    break;
                }
            }
        }
    }

    /// <summary>Length of a Chinese name starting at <paramref name="start"/>, or null.</summary>
    private static int? NameAt(string text, int start)
    {
        var surname = SurnameLength(text, start);
        if (surname == 0 || OverlapsNotName(text, start))
        {
            return null;
        }

        // Surname + honorific: "客户王先生" names 王.
        if (StartsWithAny(text, start + surname, Honorifics))
        {
            return surname;
        }

        var given = 0;
        while (given < 2 && start + surname + given < text.Length)
        {
            var c = text[start + surname + given];
            if (!Context.IsHan(c) || Stops.Contains(c) || StartsWithAny(text, start + surname + given, Honorifics))
            {
                break;
            }

            given++;
        }

        return given == 0 ? null : surname + given;
    }

    private static int SurnameLength(string text, int start)
    {
        if (start >= text.Length)
        {
            return 0;
        }

        foreach (var compound in CompoundSurnames)
        {
            if (string.CompareOrdinal(text, start, compound, 0, compound.Length) == 0)
            {
                return compound.Length;
            }
        }

        return Surnames.Contains(text[start]) ? 1 : 0;
    }

    /// <summary>Whether a word that is not a name starts at or up to three characters before <paramref name="start"/> and runs into it.</summary>
    private static bool OverlapsNotName(string text, int start)
    {
        for (var k = Math.Max(0, start - 3); k <= start; k++)
        {
            foreach (var word in NotNames)
            {
                if (k + word.Length > start && k + word.Length <= text.Length && string.CompareOrdinal(text, k, word, 0, word.Length) == 0)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool StartsWithAny(string text, int at, IEnumerable<string> words) =>
        words.Any(w => at + w.Length <= text.Length && string.CompareOrdinal(text, at, w, 0, w.Length) == 0);

    private void FindEnglish(string text, List<EntityCandidate> found)
    {
        foreach (var (m, titled) in EnglishCued().Matches(text).Select(m => (m, false)).Concat(EnglishTitled().Matches(text).Select(m => (m, true))))
        {
            var group = m.Groups["name"];
            var words = group.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var kept = words.TakeWhile(w => !EnglishStopWords.Contains(w.TrimEnd('.'))).ToList();
            // A single word after "I'm" is usually not a name ("I'm Chinese"); after a title it is a surname.
            if (kept.Count == 0 || (kept.Count == 1 && !titled))
            {
                continue;
            }

            var end = group.Index + FindPrefixLength(group.Value, kept);
            found.Add(new(EntityTypes.PersonName, group.Index, end, titled ? 0.8 : 0.85, Name));
        }
    }

    private static int FindPrefixLength(string value, List<string> words)
    {
        var at = 0;
        foreach (var word in words)
        {
            at = value.IndexOf(word, at, StringComparison.Ordinal) + word.Length;
        }

        return at;
    }

    private static bool IsWholeWord(string text, int start, int end)
    {
        if (Context.IsHan(text[start]))
        {
            return true;
        }

        return (start == 0 || !char.IsAsciiLetter(text[start - 1])) && (end == text.Length || !char.IsAsciiLetter(text[end]));
    }
}
