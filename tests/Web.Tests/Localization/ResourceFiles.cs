using System.Xml.Linq;

namespace DeepFinance.Web.Tests.Localization;

/// <summary>The .resx files under src/Web/Resources, read from the source tree (so pages added later are covered).</summary>
public static class ResourceFiles
{
    public const string ChineseSuffix = ".zh-CN.resx";

    public static string Root { get; } = FindRoot();

    public static IEnumerable<string> All() =>
        Directory.EnumerateFiles(Root, "*.resx", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    public static bool IsChinese(string path) => path.EndsWith(ChineseSuffix, StringComparison.OrdinalIgnoreCase);

    public static string ChineseOf(string englishPath) => englishPath[..^".resx".Length] + ChineseSuffix;

    public static string EnglishOf(string chinesePath) => chinesePath[..^ChineseSuffix.Length] + ".resx";

    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>The resx of a component type: DeepFinance.Web.Components.Pages.Dashboard → Components/Pages/Dashboard.resx.</summary>
    public static string Of(Type type, string? culture = null)
    {
        var relative = type.FullName!["DeepFinance.Web.".Length..].Replace('.', Path.DirectorySeparatorChar);
        return Path.Combine(Root, relative + (culture is null ? ".resx" : $".{culture}.resx"));
    }

    /// <summary>Key → value, in file order.</summary>
    public static IReadOnlyDictionary<string, string> Read(string path) =>
        XDocument.Load(path).Root!.Elements("data")
            .Where(d => d.Attribute("type") is null)
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "", StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DeepFinance.sln")))
            {
                return Path.Combine(dir.FullName, "src", "Web", "Resources");
            }
        }
        throw new DirectoryNotFoundException("DeepFinance.sln not found above " + AppContext.BaseDirectory);
    }
}
