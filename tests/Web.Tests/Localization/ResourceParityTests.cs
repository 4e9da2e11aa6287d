namespace DeepFinance.Web.Tests.Localization;

/// <summary>Every English resource has a Chinese twin with the same keys, every value translated.</summary>
public sealed class ResourceParityTests
{
    public static TheoryData<string> EnglishFiles()
    {
        var data = new TheoryData<string>();
        foreach (var path in ResourceFiles.All().Where(p => !ResourceFiles.IsChinese(p)))
        {
            data.Add(ResourceFiles.Relative(path));
        }
        return data;
    }

    public static TheoryData<string> ChineseFiles()
    {
        var data = new TheoryData<string>();
        foreach (var path in ResourceFiles.All().Where(ResourceFiles.IsChinese))
        {
            data.Add(ResourceFiles.Relative(path));
        }
        return data;
    }

    [Fact]
    public void Resources_exist_for_the_main_screens()
    {
        var files = ResourceFiles.All().Select(ResourceFiles.Relative).ToList();
        foreach (var expected in new[]
                 {
                     "Localization/SharedResource.resx", "Components/Layout/MainLayout.resx", "Components/Layout/NavMenu.resx",
                     "Components/Pages/Dashboard.resx", "Components/Pages/Operate/SeedSources.resx", "Components/Pages/Operate/LaunchRun.resx",
                     "Components/Pages/Operate/RunList.resx", "Components/Pages/Operate/RunDetail.resx", "Components/Pages/Traces/TraceView.resx",
                     "Components/Account/Pages/Login.resx",
                 })
        {
            Assert.Contains(expected, files);
        }
    }

    [Theory]
    [MemberData(nameof(EnglishFiles))]
    public void Chinese_twin_has_the_same_keys_and_every_value_translated(string englishFile)
    {
        var englishPath = Path.Combine(ResourceFiles.Root, englishFile);
        var chinesePath = ResourceFiles.ChineseOf(englishPath);
        Assert.True(File.Exists(chinesePath), $"{englishFile}: missing {ResourceFiles.Relative(chinesePath)}");

        var english = ResourceFiles.Read(englishPath);
        var chinese = ResourceFiles.Read(chinesePath);
        Assert.NotEmpty(english);
        var missing = english.Keys.Except(chinese.Keys).ToList();
        var extra = chinese.Keys.Except(english.Keys).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{englishFile}: keys missing in zh-CN [{string.Join(", ", missing)}], only in zh-CN [{string.Join(", ", extra)}]");

        var problems = new List<string>();
        foreach (var (key, en) in english)
        {
            var zh = chinese[key];
            if (string.IsNullOrWhiteSpace(en))
            {
                problems.Add($"{key}: empty English value");
            }
            if (string.IsNullOrWhiteSpace(zh))
            {
                problems.Add($"{key}: empty Chinese value");
            }
            else if (string.Equals(en.Trim(), zh.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{key}: Chinese value is a copy of the English one (\"{en}\")");
            }
        }
        Assert.True(problems.Count == 0, $"{englishFile}:\n" + string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(ChineseFiles))]
    public void Chinese_file_has_its_English_file(string chineseFile)
    {
        var englishPath = ResourceFiles.EnglishOf(Path.Combine(ResourceFiles.Root, chineseFile));
        Assert.True(File.Exists(englishPath), $"{chineseFile}: no English {ResourceFiles.Relative(englishPath)}");
    }
}
