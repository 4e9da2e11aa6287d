using System.Globalization;

namespace DeepFinance.Web.Tests.Localization;

/// <summary>
/// Sets the current culture and UI culture for the calling test. Call it synchronously at the top of the
/// test method: the setting flows into everything the test awaits and ends with the test.
/// </summary>
public static class TestCulture
{
    public static void Use(string name)
    {
        var culture = CultureInfo.GetCultureInfo(name);
        CultureInfo.CurrentCulture = culture;
        CultureInfo.CurrentUICulture = culture;
    }
}
