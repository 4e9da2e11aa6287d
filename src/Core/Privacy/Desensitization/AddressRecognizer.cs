using System.Text.RegularExpressions;

namespace DeepFinance.Core.Privacy.Desensitization;

/// <summary>
/// Street addresses down to a number: Chinese (province / city / district / road or estate, then 号, 弄,
/// 栋, 单元, 室 …) and English (unit, number and street, district, city, state and postcode). A city or
/// district on its own is not an address and stays.
/// </summary>
public sealed partial class AddressRecognizer : IEntityRecognizer
{
    private const string Unit = "号院|号楼|号|弄|栋|幢|座|楼|层|单元|室|户|铺|排|组|巷";
    private const string Estate = "小区|花园|大厦|公寓|广场|家园|新村|村|苑|园|城|府|庭|里|中心|大楼|阁|轩";

    // Where an address usually begins; the match is trimmed to the first of these near its start.
    private static readonly string[] Places =
    [
        "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
        "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "长沙", "郑州", "济南", "青岛", "大连", "沈阳", "哈尔滨", "长春", "石家庄", "太原", "合肥", "福州", "厦门", "南昌", "南宁", "昆明", "贵阳", "兰州", "西宁", "银川", "乌鲁木齐", "呼和浩特", "拉萨", "海口", "三亚", "宁波", "温州", "无锡", "常州", "东莞", "佛山", "珠海", "中山", "惠州", "泉州", "烟台", "潍坊", "徐州", "南通", "扬州", "绍兴", "嘉兴", "金华", "台州", "洛阳", "唐山", "保定",
    ];

    [GeneratedRegex(@"^(?:我家住在|我家在|我住在|家住在|家住|家在|住在|现住址|住址|地址|现住|位于|我在|在|于|是|为|到|寄到|寄至|送到|搬到|址)+", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingCue();

    [GeneratedRegex(
        @"(?:[\u3400-\u4DBF\u4E00-\u9FFF]{2,4}(?:省|自治区|特别行政区))?"
        + @"(?:[\u3400-\u4DBF\u4E00-\u9FFF]{2,4}?(?:市|州|盟|地区))?"
        + @"(?:[\u3400-\u4DBF\u4E00-\u9FFF]{1,5}?(?:新区|区|县|旗|市))?"
        + @"(?:[\u3400-\u4DBF\u4E00-\u9FFF]{1,6}?(?:镇|乡|街道))?"
        + @"(?:[\u3400-\u4DBF\u4E00-\u9FFF]{1,10}?(?:大道|大街|路|街|巷|弄|胡同|道)(?:[东南西北中]段|[东南西北]?[一二三四五六七八九十\d]+段)?"
        + @"|[\u3400-\u4DBF\u4E00-\u9FFF]{2,8}?(?:" + Estate + "))"
        + @"\s?(?:\d+|[一二三四五六七八九十百零]+)[A-Za-z]?\s?(?:" + Unit + ")"
        + @"(?:\s?(?:\d+|[A-Za-z]-?\d+|[一二三四五六七八九十百零]+)[A-Za-z]?\s?(?:" + Unit + ")"
        + @"|[\u3400-\u4DBF\u4E00-\u9FFF]{2,8}?(?:" + Estate + "|院)"
        + @"|[东南西北]?[A-Za-z]座"
        + @"|-?\d{1,5}(?![\d%]|[.,]\d|[\u3400-\u4DBF\u4E00-\u9FFF]))*",
        RegexOptions.CultureInvariant)]
    private static partial Regex Chinese();

    [GeneratedRegex(
        @"(?<![A-Za-z0-9])(?:(?:Room|Rm\.?|Apt\.?|Apartment|Unit|Suite|Ste\.?|Flat|Floor|Fl\.?|Building|Bldg\.?|Block|Blk\.?|Tower|No\.?)\s*#?[A-Za-z0-9-]{1,6},?\s+)*"
        + @"(?:(?:[A-Z][a-z]+\s+){1,3}(?:Garden|Gardens|Estate|Plaza|Tower|Towers|Mansion|Court|Residence|Residences|Community|Village|Building|Center|Centre|Apartments|Heights|Park),?\s+)?"
        + @"\d{1,6}[A-Za-z]?(?:-\d{1,4})?\s+(?:[A-Z][a-z]+\.?\s+){1,4}(?:Road|Rd|Street|St|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Highway|Hwy|Terrace|Parkway|Pkwy|Square|Sq|Circle|Cir|Alley|Hutong)\.?"
        + @"(?:,?\s+(?:Apt|Apartment|Unit|Suite|Ste|Room|Rm|Floor|Fl|Flat|#)\.?\s*#?[A-Za-z0-9-]{1,6})*"
        + @"(?:,\s*(?:[A-Z][a-z]+\s+){1,3}(?:District|County|New\s+Area|Province|Borough))?"
        + @"(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}(?:,?\s+[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?)?)?"
        + @"(?:,?\s+\d{5,6}(?:-\d{4})?)?",
        RegexOptions.CultureInvariant)]
    private static partial Regex English();

    public string Name => "AddressRecognizer";

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Chinese().Matches(text))
        {
            var start = m.Index;
            var end = m.Index + m.Length;
            var place = Places.Select(p => text.IndexOf(p, start, Math.Min(8, end - start), StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
            if (place >= 0)
            {
                start = place;
            }
            else
            {
                start += LeadingCue().Match(text, start, end - start) is { Success: true } cue && cue.Index == start ? cue.Length : 0;
            }

            if (end - start >= 4)
            {
                yield return new(EntityTypes.Address, start, end, 0.8, Name);
            }
        }

        foreach (Match m in English().Matches(text))
        {
            yield return new(EntityTypes.Address, m.Index, m.Index + m.Length, 0.8, Name);
        }
    }
}
