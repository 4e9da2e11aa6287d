using DeepFinance.Core.Runs;
using System.Globalization;
using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using MudBlazor;

namespace DeepFinance.Web.Components.Common;

/// <summary>
/// How numbers, statuses and verdicts look everywhere in the UI. Numbers and dates follow the current culture;
/// words (statuses, verdicts, units) come from <see cref="DeepFinance.Web.Localization.SharedLabels"/>.
/// The <c>Name</c> methods give invariant names for data attributes and tests, not for people.
/// </summary>
public static class Display
{
    public static string Cost(decimal cost) => cost == 0 ? "0" : cost.ToString(cost < 0.01m ? "0.######" : "#,0.00##", CultureInfo.CurrentCulture);

    public static string Count(long n) => n.ToString("N0", CultureInfo.CurrentCulture);

    public static string Percent(double? ratio) => ratio is { } r ? r.ToString("P1", CultureInfo.CurrentCulture) : "–";

    public static string Duration(TimeSpan? span) => span switch
    {
        null => "–",
        { TotalHours: >= 1 } s => $"{(int)s.TotalHours}h {s.Minutes:00}m",
        { TotalMinutes: >= 1 } s => $"{s.Minutes}m {s.Seconds:00}s",
        var s => $"{s.Value.Seconds}s",
    };

    public static string Time(DateTimeOffset? at) => at?.ToLocalTime().ToString("G", CultureInfo.CurrentCulture) ?? "–";

    public static string Number(double value, int decimals) => value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.CurrentCulture);

    public static string Latency(int ms) => ms >= 1000 ? (ms / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) + " s" : ms + " ms";

    public static string Name(this RunStatus status) => status.ToString().ToLowerInvariant();

    public static string Name(this RunKind kind) => kind.ToString().ToLowerInvariant();

    public static string Name(this Verdict verdict) => verdict.ToString().ToLowerInvariant();

    public static string Name(this TaskType? type) => type?.DisplayName() ?? "–";

    public static Color ColorOf(RunStatus status) => status switch
    {
        RunStatus.Queued => Color.Default,
        RunStatus.Running => Color.Info,
        RunStatus.Paused => Color.Warning,
        RunStatus.Completed => Color.Success,
        RunStatus.Failed => Color.Error,
        RunStatus.Cancelled => Color.Dark,
        _ => Color.Default,
    };

    public static Color ColorOf(Verdict? verdict) => verdict switch
    {
        Verdict.Correct => Color.Success,
        Verdict.Incorrect => Color.Error,
        Verdict.Unverifiable => Color.Warning,
        _ => Color.Default,
    };

    public static bool IsActive(RunStatus status) => RunStateRules.IsActive(status);
}
