using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Core.Prompts;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Bench.Engine;

/// <summary>What the bare loop achieved.</summary>
internal sealed record BareLoopResult(int Workers, long Requests, long Errors, TimeSpan Elapsed, TimeSpan Cpu)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    public double CpuMsPerRequest => Requests == 0 ? 0 : Cpu.TotalMilliseconds / Requests;
}

/// <summary>
/// The ceiling the pipeline is measured against: C workers sending the same chat completions the run sends
/// (the shipped sampling prompt over corpus questions) with a plain <see cref="HttpClient"/>, reading and
/// parsing each answer, and nothing else: no database, no verification.
/// </summary>
internal static class BareLoop
{
    public static async Task<BareLoopResult> RunAsync(BenchEnvironment env, int workers, TimeSpan duration, int firstQuestion)
    {
        var prompts = env.Services.GetRequiredService<PromptLibrary>();
        var prompt = await prompts.GetAsync(PromptLibrary.CotSample, null);
        var endpoint = new Uri(env.Endpoint, "chat/completions");
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { Timeout = TimeSpan.FromMinutes(2) };

        object Body(int index)
        {
            var (question, _) = env.Corpus.Item(index);
            var messages = prompts.Render(prompt, new Dictionary<string, object?>
            {
                ["question"] = question, ["options"] = Array.Empty<object>(), ["language"] = "en", ["task_type"] = "Math",
            });
            return new
            {
                model = "simulator",
                messages = messages.Select(m => new { role = m.Role, content = m.Content }),
                temperature = 0.6,
                max_tokens = 4096,
                seed = 0,
            };
        }

        async Task<bool> SendAsync(int index)
        {
            using var response = await http.PostAsJsonAsync(endpoint, Body(index));
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }
            await using var stream = await response.Content.ReadAsStreamAsync();
            using var doc = await JsonDocument.ParseAsync(stream);
            return doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString() is not null;
        }

        // Warm-up: connections open and code jitted before the clock starts.
        await Task.WhenAll(Enumerable.Range(0, workers).Select(i => SendAsync(firstQuestion + i)));

        var next = firstQuestion + workers;
        long requests = 0, errors = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var until = duration;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < until)
            {
                if (await SendAsync(Interlocked.Increment(ref next)))
                {
                    Interlocked.Increment(ref requests);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        clock.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        return new BareLoopResult(workers, requests, errors, clock.Elapsed, cpu);
    }
}
