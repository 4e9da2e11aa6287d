using System.Globalization;
using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using Microsoft.Extensions.Localization;

namespace DeepFinance.Web.Localization;

/// <summary>Enum values and units as people read them, in the current UI culture. Data attributes keep the invariant names.</summary>
public static class SharedLabels
{
    private const string None = "–";

    public static string Status(this IStringLocalizer<SharedResource> s, RunStatus status) => s[$"RunStatus_{status}"];

    public static string Kind(this IStringLocalizer<SharedResource> s, RunKind kind) => s[$"RunKind_{kind}"];

    /// <summary>A run's kind by name; a kind this build has no label for (a plug-in kind) shows its own name.</summary>
    public static string Kind(this IStringLocalizer<SharedResource> s, string kind) =>
        Enum.TryParse<RunKind>(kind, ignoreCase: true, out var known) ? s.Kind(known) : kind;

    public static string Verdict(this IStringLocalizer<SharedResource> s, Verdict verdict) => s[$"Verdict_{verdict}"];

    /// <summary>A trace's verdict, or "failed" when the request failed, or "not verified".</summary>
    public static string Outcome(this IStringLocalizer<SharedResource> s, Verdict? verdict, TraceStatus status) =>
        verdict is { } v ? s.Verdict(v) : status == TraceStatus.Failed ? s["Outcome_Failed"] : s["Outcome_Unverified"];

    public static string TaskType(this IStringLocalizer<SharedResource> s, TaskType? type) => type is { } t ? s[$"TaskType_{t}"] : None;

    public static string Difficulty(this IStringLocalizer<SharedResource> s, Difficulty difficulty) => s[$"Difficulty_{difficulty}"];

    public static string DifficultySource(this IStringLocalizer<SharedResource> s, DifficultySource source) => s[$"DifficultySource_{source}"];

    public static string TaskTypeSource(this IStringLocalizer<SharedResource> s, TaskTypeSource source) => s[$"TaskTypeSource_{source}"];

    public static string Origin(this IStringLocalizer<SharedResource> s, QuestionOrigin origin) => s[$"Origin_{origin}"];

    public static string YesNo(this IStringLocalizer<SharedResource> s, bool value) => value ? s["Yes"] : s["No"];

    public static string Latency(this IStringLocalizer<SharedResource> s, int ms) => ms >= 1000
        ? s["Unit_Seconds", (ms / 1000.0).ToString("0.0", CultureInfo.CurrentCulture)]
        : s["Unit_Milliseconds", ms.ToString("N0", CultureInfo.CurrentCulture)];

    public static string Duration(this IStringLocalizer<SharedResource> s, TimeSpan? span) => span switch
    {
        null => None,
        { TotalHours: >= 1 } d => s["Duration_HoursMinutes", (int)d.TotalHours, d.Minutes.ToString("00", CultureInfo.CurrentCulture)],
        { TotalMinutes: >= 1 } d => s["Duration_MinutesSeconds", d.Minutes, d.Seconds.ToString("00", CultureInfo.CurrentCulture)],
        var d => s["Duration_Seconds", d.Value.Seconds],
    };
}
