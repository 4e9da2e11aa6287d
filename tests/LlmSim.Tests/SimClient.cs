using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepFinance.LlmSim.Tests;

/// <summary>Raw HTTP helpers over a running simulator.</summary>
internal sealed class SimClient : IDisposable
{
    private readonly HttpClient _http;

    public SimClient(Uri baseUrl) => _http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };

    public HttpClient Http => _http;

    public static string Body(string model, string user, bool stream = false, long? seed = null, string? extra = null)
    {
        var node = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "You are a careful financial analyst." },
                new JsonObject { ["role"] = "user", ["content"] = user }),
        };
        if (stream)
        {
            node["stream"] = true;
            node["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        if (seed is not null)
        {
            node["seed"] = seed;
        }

        if (extra is not null)
        {
            foreach (var (key, value) in JsonNode.Parse(extra)!.AsObject())
            {
                node[key] = value?.DeepClone();
            }
        }

        return node.ToJsonString();
    }

    public async Task<HttpResponseMessage> PostAsync(string body, CancellationToken ct = default)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await _http.PostAsync(new Uri("v1/chat/completions", UriKind.Relative), content, ct);
    }

    public async Task<JsonObject> CompleteAsync(string body)
    {
        using var response = await PostAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Reads an SSE response into its data payloads (including "[DONE]").</summary>
    public static async Task<List<string>> ReadEventsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim())
            .Where(e => e.StartsWith("data: ", StringComparison.Ordinal))
            .Select(e => e["data: ".Length..])
            .ToList();
    }

    public async Task<StreamResult> StreamAsync(string body)
    {
        using var response = await PostAsync(body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await ReadEventsAsync(response);
        return StreamResult.From(events);
    }

    public async Task<JsonObject> StatsAsync()
    {
        var text = await _http.GetStringAsync(new Uri("stats", UriKind.Relative));
        return JsonNode.Parse(text)!.AsObject();
    }

    public async Task<HttpResponseMessage> PostJsonAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await _http.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>What a streamed answer added up to.</summary>
internal sealed record StreamResult(
    IReadOnlyList<string> Events,
    IReadOnlyList<string> ContentPieces,
    string Content,
    string ReasoningContent,
    string Reasoning,
    string? FinishReason,
    JsonObject? Usage,
    bool Done)
{
    public static StreamResult From(List<string> events)
    {
        var pieces = new List<string>();
        var reasoningContent = new StringBuilder();
        var reasoning = new StringBuilder();
        string? finish = null;
        JsonObject? usage = null;
        foreach (var e in events.Where(e => e != "[DONE]"))
        {
            var chunk = JsonNode.Parse(e)!.AsObject();
            Assert.Equal("chat.completion.chunk", (string?)chunk["object"]);
            if (chunk["usage"] is JsonObject u)
            {
                usage = u;
            }

            foreach (var choice in chunk["choices"]!.AsArray())
            {
                var delta = choice!["delta"]!.AsObject();
                if (delta["content"] is JsonValue c && c.GetValue<string>().Length > 0)
                {
                    pieces.Add(c.GetValue<string>());
                }

                reasoningContent.Append((string?)delta["reasoning_content"]);
                reasoning.Append((string?)delta["reasoning"]);
                if (choice["finish_reason"] is JsonValue f && f.GetValueKind() == JsonValueKind.String)
                {
                    finish = f.GetValue<string>();
                }
            }
        }

        return new StreamResult(events, pieces, string.Concat(pieces), reasoningContent.ToString(), reasoning.ToString(),
            finish, usage, events.Count > 0 && events[^1] == "[DONE]");
    }
}

/// <summary>Temporary JSONL files for a test.</summary>
internal sealed class TempFiles : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmsim-tests-").FullName;

    public string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
