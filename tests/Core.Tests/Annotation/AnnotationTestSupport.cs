using System.Text;
using DeepFinance.Core.Annotation;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Annotation;

/// <summary>A reversible stand-in for Data Protection: what it stores is recognizable, so a test can look for it in the file's bytes.</summary>
public sealed class MarkedProtector : IRawTextProtector
{
    public string Protect(string plaintext) => "ENC:" + Convert.ToBase64String(Encoding.UTF8.GetBytes(plaintext));

    public string Unprotect(string protectedText) => Encoding.UTF8.GetString(Convert.FromBase64String(protectedText["ENC:".Length..]));
}

public sealed class FixedExperts(params string[] experts) : IExpertDirectory
{
    public List<string> Experts { get; } = [.. experts];

    public Task<IReadOnlyList<string>> ExpertsAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<string>>(Experts);
}

public static class AnnotationHarness
{
    public const string Ana = "ana@bank.example";
    public const string Bo = "bo@bank.example";
    public const string Cy = "cy@bank.example";
    public static readonly Actor AnaExpert = new(Ana, IsAdmin: false, IsExpert: true);
    public static readonly Actor BoExpert = new(Bo, IsAdmin: false, IsExpert: true);
    public static readonly Actor Admin = new("admin@bank.example", IsAdmin: true, IsExpert: false);
    public static readonly Actor Operator = new("op@bank.example", IsAdmin: false, IsExpert: false);

    public static Task<PipelineHarness> StartAsync(FixedExperts experts, TimeProvider? time = null, IDictionary<string, string?>? settings = null) =>
        PipelineHarness.StartAsync(settings: settings, configure: s =>
        {
            s.AddSingleton<IRawTextProtector, MarkedProtector>().AddSingleton<IExpertDirectory>(experts);
            if (time is not null)
            {
                s.AddSingleton(time);
            }
        });

    public static MemoryStream File(string text) => new(Encoding.UTF8.GetBytes(text));
}
