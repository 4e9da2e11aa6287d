using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Web.Tests.TestSupport;

namespace DeepFinance.Web.Tests.Api;

/// <summary>Documents through <c>/api/v1/documents</c>, then an <c>extract</c> run over them through <c>POST /api/v1/runs</c> against the in-app simulator.</summary>
public sealed class DocumentsApiTests : IClassFixture<DocumentsApiTests.App>
{
    public sealed class App() : IDisposable
    {
        public DeepFinanceApp Host { get; } = new();

        public void Dispose() => Host.Dispose();
    }

    private static readonly byte[] Markdown = Encoding.UTF8.GetBytes(
        "# 示例银行年报\n\n## 资产质量\n\n年末不良贷款率为 1.12%，拨备覆盖率为 245%。\n\n## 资本\n\n资本充足率为 13.6%，高于监管要求。\n");

    private static readonly byte[] Html = Encoding.UTF8.GetBytes(
        "<html><head><title>Bond basics</title><script>steal()</script></head><body><h1>Coupons</h1>"
        + "<p>A bond with a coupon rate of 5% pays $50 a year on $1,000 of face value.</p></body></html>");

    private readonly DeepFinanceApp _app;

    public DocumentsApiTests(App fixture) => _app = fixture.Host;

    private static MultipartFormDataContent Upload(string name, params (string File, byte[] Bytes)[] files)
    {
        var content = new MultipartFormDataContent { { new StringContent(name), "name" }, { new StringContent("400"), "maxPassageChars" } };
        foreach (var (file, bytes) in files)
        {
            content.Add(new ByteArrayContent(bytes), "files", file);
        }
        return content;
    }

    [Fact]
    public async Task Documents_upload_list_and_page_their_passages_then_an_extract_run_yields_verified_questions()
    {
        var client = await _app.SignedInAsync();
        var response = await client.PostAsync("/api/v1/documents", Upload("api-demo", ("report.md", Markdown), ("bonds.html", Html)));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var setId = created.GetProperty("id").GetInt64();
        Assert.Equal(3, created.GetProperty("passages").GetInt32());

        var list = await client.GetFromJsonAsync<JsonElement>($"/api/v1/documents?setId={setId}&pageSize=1");
        Assert.Equal(2, list.GetProperty("total").GetInt32());
        Assert.Equal(1, list.GetProperty("items").GetArrayLength());
        var all = await client.GetFromJsonAsync<JsonElement>($"/api/v1/documents?setId={setId}");
        var md = all.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("fileName").GetString() == "report.md");
        var html = all.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("fileName").GetString() == "bonds.html");
        Assert.Equal("Bond basics", html.GetProperty("title").GetString());

        var page2 = await client.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{md.GetProperty("id").GetInt64()}/passages?page=2&pageSize=1");
        Assert.Equal(2, page2.GetProperty("total").GetInt32());
        var passage = Assert.Single(page2.GetProperty("items").EnumerateArray());
        Assert.Equal("示例银行年报 › 资本", passage.GetProperty("heading").GetString());
        Assert.Equal("资本充足率为 13.6%，高于监管要求。", passage.GetProperty("text").GetString());
        var htmlPassages = await client.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{html.GetProperty("id").GetInt64()}/passages");
        Assert.DoesNotContain("steal", htmlPassages.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/documents/999999/passages")).StatusCode);

        var launched = await client.PostAsJsonAsync("/api/v1/runs", new
        {
            kind = "extract", synthesizer = "simulator", spec = new { documentSetId = setId, pairsPerPassage = 2, samplesToVerify = 2, agreeAtLeast = 1 },
        });
        Assert.True(launched.StatusCode == HttpStatusCode.Created, await launched.Content.ReadAsStringAsync());
        var runId = (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var run = await DeepFinanceApp.WaitForRunAsync(client, runId);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(3, run.GetProperty("total").GetInt32());
        var yields = await client.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}/yields");
        Assert.True(yields.GetProperty("proposed").GetInt32() > 0, yields.GetRawText());
        Assert.Equal(yields.GetProperty("proposed").GetInt32(), yields.GetProperty("verified").GetInt32() + yields.GetProperty("rejected").GetInt32());
    }

    [Fact]
    public async Task A_bad_file_refuses_the_whole_upload_naming_file_and_line_and_a_bad_extract_spec_names_its_field()
    {
        var client = await _app.SignedInAsync();
        var bad = Encoding.UTF8.GetBytes("fine line\n").Concat(new byte[] { 0xFF, 0xFE, 0x41, 0x0A }).ToArray();
        var response = await client.PostAsync("/api/v1/documents", Upload("refused-set", ("ok.md", Markdown), ("broken.txt", bad)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        Assert.Equal("broken.txt", error.GetProperty("file").GetString());
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        var sets = await client.GetFromJsonAsync<JsonElement>("/api/v1/documents?search=refused-set");
        Assert.Equal(0, sets.GetProperty("total").GetInt32());

        var noFiles = await client.PostAsync("/api/v1/documents", new MultipartFormDataContent { { new StringContent("empty"), "name" } });
        Assert.Equal("files", (await noFiles.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString());

        var launched = await client.PostAsJsonAsync("/api/v1/runs", new { kind = "extract", synthesizer = "simulator", spec = new { pairsPerPassage = 2 } });
        Assert.Equal(HttpStatusCode.BadRequest, launched.StatusCode);
        Assert.Equal("spec.documentSetId", (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString());
    }
}
