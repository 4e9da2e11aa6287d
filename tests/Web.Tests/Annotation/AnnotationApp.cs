using System.Text;
using DeepFinance.Web.Tests.TestSupport;

namespace DeepFinance.Web.Tests.Annotation;

/// <summary>The app with exactly two experts (so each query goes to both), an operator and a reviewer.</summary>
public sealed class AnnotationApp : IAsyncLifetime, IDisposable
{
    public const string Ana = "ana.expert@test.local";
    public const string Bo = "bo.expert@test.local";
    public const string Olga = "olga.operator@test.local";
    public const string Rita = "rita.reviewer@test.local";
    public const string Phone = "13812345678";
    public const string Raw = "我叫张伟，手机号" + Phone + "，想问一下三年期定期存款利率3.5%到期利息怎么算？";

    public DeepFinanceApp Host { get; } = new();

    public async Task InitializeAsync()
    {
        await Host.CreateUserAsync(Ana, "Expert");
        await Host.CreateUserAsync(Bo, "Expert");
        await Host.CreateUserAsync(Olga, "Operator");
        await Host.CreateUserAsync(Rita, "Reviewer");
    }

    public static byte[] Jsonl(params string[] texts) =>
        Encoding.UTF8.GetBytes(string.Join("\n", texts.Select(t => System.Text.Json.JsonSerializer.Serialize(new { text = t, channel = "app" }))));

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Host.Dispose();
}
