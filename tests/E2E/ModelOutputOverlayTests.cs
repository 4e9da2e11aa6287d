using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DeepFinance.E2E.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeepFinance.E2E.Tests;

/// <summary>
/// Findings "model output restyles the page" and "Markdown images load from any host", in a real browser: a trace whose
/// answer and reasoning carry a full-page overlay (generic attributes and a raw HTML div) and remote images is opened;
/// nothing covers the page, a normal link still works, and no request leaves for the image host.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ModelOutputOverlayTests(BrowserFixture fixture)
{
    [BrowserFact]
    public async Task A_trace_with_a_style_overlay_and_remote_images_neither_covers_the_page_nor_calls_the_image_host()
    {
        var traceId = await CreateHostileTraceAsync();
        var page = await fixture.NewPageAsync();
        var leaving = new ConcurrentQueue<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("attacker.test", StringComparison.OrdinalIgnoreCase))
            {
                leaving.Enqueue(request.Url);
            }
        };
        try
        {
            await page.SignInAsync(BrowserFixture.OperatorEmail);
            await page.OpenAsync($"traces/{traceId}");
            await Expect(page.GetByTestId("trace-answer")).ToContainTextAsync("The answer is 42");
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

            // What the centre of the viewport shows is the page's own content, not a link or box from the model output.
            var centre = await page.EvaluateAsync<JsonElement>("""
                () => {
                  const el = document.elementFromPoint(innerWidth / 2, innerHeight / 2);
                  const fixedFromOutput = [...document.querySelectorAll('.df-markdown *')]
                    .filter(e => ['fixed', 'absolute'].includes(getComputedStyle(e).position)).length;
                  return {
                    tag: el ? el.tagName : null,
                    inAttackerLink: !!(el && el.closest('a[href*="attacker.test"]')),
                    fixedFromOutput,
                    styledFromOutput: document.querySelectorAll('.df-markdown [style]').length,
                    imagesFromOutput: [...document.querySelectorAll('.df-markdown img')].map(i => i.src),
                  };
                }
                """);
            Assert.False(centre.GetProperty("inAttackerLink").GetBoolean(), "The centre of the page is a link from the model output: " + centre);
            Assert.Equal(0, centre.GetProperty("fixedFromOutput").GetInt32());
            Assert.Equal(0, centre.GetProperty("styledFromOutput").GetInt32());
            Assert.Equal(0, centre.GetProperty("imagesFromOutput").GetArrayLength());

            // A click on an ordinary link of the page goes where that link says.
            await page.Locator("a[href='traces']").First.ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"/traces$"));

            Assert.True(leaving.IsEmpty, "The browser called the attacker's hosts: " + string.Join(", ", leaving));
            Assert.True(fixture.CspViolations.IsEmpty, "CSP refusals:\n" + string.Join('\n', fixture.CspViolations));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>Through the real flow: seed import and a q2a run on the in-app simulator, whose script answers the probe.</summary>
    private async Task<long> CreateHostileTraceAsync()
    {
        using var http = new HttpClient { BaseAddress = fixture.BaseAddress };
        var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = E2EApp.AdminEmail, password = E2EApp.Password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var form = new MultipartFormDataContent
        {
            { new StringContent("overlay-" + Guid.NewGuid().ToString("N")[..6]), "name" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(HostileOutput.SeedJsonl)), "file", "overlay.jsonl" },
        };
        var import = await http.PostAsync("/api/v1/seed-sources", form);
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
        var sourceId = (await import.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var launch = await http.PostAsJsonAsync("/api/v1/runs", new { kind = "q2a", synthesizer = "simulator", spec = new { seedSourceId = sourceId, samplesPerQuestion = 1 } });
        Assert.True(launch.IsSuccessStatusCode, await launch.Content.ReadAsStringAsync());
        var runId = (await launch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        for (var i = 0; i < 600; i++)
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}");
            var status = run.GetProperty("status").GetString();
            if (status is "completed" or "failed" or "cancelled" or "paused")
            {
                Assert.Equal("completed", status);
                break;
            }
            await Task.Delay(100);
        }
        var traces = await http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}/traces?page=1&pageSize=5");
        var id = traces.GetProperty("items")[0].GetProperty("id").GetInt64();
        var trace = await http.GetFromJsonAsync<JsonElement>($"/api/v1/traces/{id}");
        // The hostile text is stored as the model wrote it; only its rendering is made safe.
        Assert.Contains("position:fixed", trace.GetProperty("answer").GetString(), StringComparison.Ordinal);
        Assert.Contains(HostileOutput.ImageHost, trace.GetProperty("reasoning").GetString(), StringComparison.Ordinal);
        return id;
    }
}
