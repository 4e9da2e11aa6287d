using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Tests.Support;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.ReleaseExport;

/// <summary>The release download on the real app: a zip of every format, one file per format, refusals by status, format and id.</summary>
public sealed class ReleaseExportApiTests(RoleUsersApp fixture) : IClassFixture<RoleUsersApp>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    private IDbContextFactory<DeepFinanceDbContext> Db => _app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();

    [Fact]
    public async Task An_operator_downloads_a_ready_release_and_is_refused_a_blocked_one_with_the_reason()
    {
        var rows = await ExportFixture.WriteAsync(Db, "-api");
        var client = await _app.SignedInAsync(RoleUsersApp.UserOf("Operator"));

        var all = await client.GetAsync($"/api/v1/releases/{rows.ReadyId}/export?format=all");
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal("application/zip", all.Content.Headers.ContentType?.MediaType);
        Assert.Equal("deepfinance-1.0.0-api.zip", all.Content.Headers.ContentDisposition?.FileNameStar ?? all.Content.Headers.ContentDisposition?.FileName);
        using (var zip = new ZipArchive(new MemoryStream(await all.Content.ReadAsByteArrayAsync())))
        {
            Assert.Equal(["README.md", "alpaca.json", "chat.jsonl", "data.parquet", "dataset_info.json", "dpo.jsonl", "flat.jsonl", "sharegpt.json"],
                zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            using var chat = new StreamReader(zip.GetEntry("chat.jsonl")!.Open());
            var lines = (await chat.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(rows.TraceIds.Count, lines.Length);
        }

        var parquet = await client.GetAsync($"/api/v1/releases/{rows.ReadyId}/export?format=parquet");
        Assert.Equal(HttpStatusCode.OK, parquet.StatusCode);
        var bytes = await parquet.Content.ReadAsByteArrayAsync();
        Assert.Equal("PAR1"u8.ToArray(), bytes[..4]);
        Assert.Equal("PAR1"u8.ToArray(), bytes[^4..]);

        var blocked = await client.GetAsync($"/api/v1/releases/{rows.BlockedId}/export?format=chat");
        Assert.Equal(HttpStatusCode.Conflict, blocked.StatusCode);
        Assert.Contains("is blocked", (await blocked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var badFormat = await client.GetAsync($"/api/v1/releases/{rows.ReadyId}/export?format=csv");
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
        var error = (await badFormat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        Assert.Equal("format", error.GetProperty("field").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/releases/987654/export?format=chat")).StatusCode);

        await using var db = await Db.CreateDbContextAsync();
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.Action == "release.exported" && a.Subject == $"release:{rows.ReadyId}"));
        // Nothing of the two downloads is left behind in the data directory.
        var exports = Path.Combine(_app.DataDirectory, "exports");
        Assert.True(!Directory.Exists(exports) || Directory.GetFileSystemEntries(exports).Length == 0);
    }

    [Fact]
    public async Task A_json_format_sent_as_it_is_read_has_the_same_bytes_as_the_exported_file_and_is_audited()
    {
        var rows = await ExportFixture.WriteAsync(Db, "-stream");
        var client = await _app.SignedInAsync(RoleUsersApp.UserOf("Operator"));
        var exporter = _app.Services.GetRequiredService<DeepFinance.Core.Release.Export.ReleaseExporter>();
        var folder = Path.Combine(Path.GetTempPath(), $"df-stream-{Guid.NewGuid():N}");
        try
        {
            var onDisk = await exporter.ExportAsync(rows.ReadyId, DeepFinance.Core.Release.Export.ExportFormats.All, folder);
            foreach (var format in new[] { "chat", "flat", "alpaca", "sharegpt", "dpo" })
            {
                using var response = await client.GetAsync($"/api/v1/releases/{rows.ReadyId}/export?format={format}", HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await using var body = await response.Content.ReadAsStreamAsync();
                using var rest = new MemoryStream();
                await body.CopyToAsync(rest);
                var file = onDisk.Files.Single(f => f.Format == format).Name;
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, file)), rest.ToArray());
                Assert.EndsWith(file, response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName,
                    StringComparison.Ordinal);
            }
            // The server writes the audit line once the last byte has left, which can be just after the client has read it.
            var audited = 0;
            for (var tries = 0; tries < 100 && audited < 5; tries++)
            {
                await using var db = await Db.CreateDbContextAsync();
                audited = await db.AuditEntries.CountAsync(a => a.Action == "release.exported" && a.Subject == $"release:{rows.ReadyId}");
                await Task.Delay(audited < 5 ? 100 : 0);
            }
            Assert.Equal(5, audited);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
