namespace DeepFinance.Web.Localization;

/// <summary>
/// Marker for the words every screen shares: run statuses and kinds, verdicts, task types, units.
/// Resources/Localization/SharedResource.resx and SharedResource.zh-CN.resx.
/// </summary>
public sealed class SharedResource
{
    private SharedResource()
    {
    }
}

/// <summary>Marker for MudBlazor's own strings (pager, "Loading…", "Clear"): Resources/Localization/MudBlazorTranslations.resx.</summary>
public sealed class MudBlazorTranslations
{
    private MudBlazorTranslations()
    {
    }
}
