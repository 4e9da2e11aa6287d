using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DeepFinance.Web.Tests.Faults;

namespace DeepFinance.Web.Tests.Security;

/// <summary>
/// Finding "no HSTS or HTTPS redirection when served over TLS": the built app on a real TLS endpoint (a certificate
/// made for the test) sends HSTS over HTTPS and, with <c>DeepFinance:Https=true</c>, redirects plain HTTP to it.
/// </summary>
// Process tests share one collection: ten 600 MB bodies must not starve the kill-and-restart test of CPU.
[Collection(nameof(KillRestartTests))]
public sealed class HttpsTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "df-tls-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly int _httpPort = ProductProcess.FreePort();
    private readonly int _httpsPort = ProductProcess.FreePort();
    private ProductProcess? _app;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        var pfx = Path.Combine(_root, "tls.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
            await File.WriteAllBytesAsync(pfx, cert.Export(X509ContentType.Pfx, "tls-test"));
        }
        _app = await ProductProcess.StartAsync("Web", "DeepFinance.Web.dll", new Dictionary<string, string>
        {
            ["DeepFinance__DataDirectory"] = Path.Combine(_root, "data"),
            ["DeepFinance__Admin__Email"] = "admin@tls.local",
            ["DeepFinance__Admin__Password"] = "Tls-Passw0rd!",
            ["DeepFinance__Https"] = "true",
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{_httpPort}",
            ["Kestrel__Endpoints__Https__Url"] = $"https://127.0.0.1:{_httpsPort}",
            ["Kestrel__Endpoints__Https__Certificate__Path"] = pfx,
            ["Kestrel__Endpoints__Https__Certificate__Password"] = "tls-test",
        }, _httpPort);
    }

    [Fact]
    public async Task Over_tls_the_app_sends_hsts_and_redirects_plain_http_when_configured()
    {
        using var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = (_, _, _, _) => true, // the test's own self-signed certificate
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var secure = new Uri($"https://127.0.0.1:{_httpsPort}/");
        HttpResponseMessage? page = null;
        for (var i = 0; i < 1200 && page is null; i++)
        {
            try
            {
                page = await http.GetAsync(new Uri(secure, "Account/Login"));
            }
            catch (HttpRequestException) when (i < 1199)
            {
                await Task.Delay(100);
            }
        }
        Assert.Equal(HttpStatusCode.OK, page!.StatusCode);
        Assert.StartsWith("max-age=", Assert.Single(page.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);

        var plain = await http.GetAsync(new Uri($"http://127.0.0.1:{_httpPort}/Account/Login"));
        Assert.True((int)plain.StatusCode is 307 or 308, plain.StatusCode.ToString());
        Assert.Equal(new Uri(secure, "Account/Login"), plain.Headers.Location);
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
