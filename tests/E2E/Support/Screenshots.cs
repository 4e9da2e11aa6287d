using Microsoft.Playwright;

namespace DeepFinance.E2E.Tests.Support;

/// <summary>
/// Screenshots of the main screens: always into the test output (bin/…/screenshots); also into the repository's
/// docs/screenshots when DF_SCREENSHOTS is set (to anything but 0/false).
/// </summary>
public static class Screenshots
{
    public static string OutputDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    private static bool CopyToDocs => Environment.GetEnvironmentVariable("DF_SCREENSHOTS") is { Length: > 0 } v
        && v != "0" && !v.Equals("false", StringComparison.OrdinalIgnoreCase);

    public static async Task TakeAsync(IPage page, string name, bool fullPage = false, bool keepSnackbars = false)
    {
        Directory.CreateDirectory(OutputDirectory);
        var path = Path.Combine(OutputDirectory, name + ".png");
        // Let animations (progress bars, ripples, snackbars) settle into a stable picture.
        await page.Mouse.MoveAsync(0, 0);
        await page.ScreenshotAsync(new()
        {
            Path = path,
            FullPage = fullPage,
            Animations = ScreenshotAnimations.Disabled,
            // A notice left over from the previous screen is not part of this one; nor is the focus ring on the
            // heading that navigation focuses.
            Style = ":focus { outline: none !important; }"
                + (keepSnackbars ? "" : " #mud-snackbar-container, .mud-snackbar { display: none !important; }"),
        });
        if (CopyToDocs && RepositoryRoot() is { } root)
        {
            var docs = Path.Combine(root, "docs", "screenshots");
            Directory.CreateDirectory(docs);
            File.Copy(path, Path.Combine(docs, name + ".png"), overwrite: true);
        }
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DeepFinance.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
