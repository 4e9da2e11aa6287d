using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using DeepFinance.Core.Llm;
using DeepFinance.Web.Tests.Synthesizers;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Web.Tests.Security;

/// <summary>
/// Issue 8, "the data directory alone decrypts every stored key" and "database files and initial-admin.txt are
/// world-readable": the key ring is encrypted with a master key from configuration, files are owner-only,
/// and the first admin's password file goes away after the first sign-in or on the CLI command.
/// </summary>
[Collection(HostIsolation.Name)]
public sealed class KeysAndFilesAtRestTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "df-rest-" + Guid.NewGuid().ToString("N")[..8]);

    private static readonly string MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private DeepFinanceApp Start(string? masterKey, bool generatedAdminPassword = false, CapturingLoggerProvider? logs = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DeepFinance:DataDirectory"] = _data,
            ["DeepFinance:DataProtection:MasterKey"] = masterKey,
        };
        if (generatedAdminPassword)
        {
            settings["DeepFinance:Admin:Password"] = null;
            settings["DeepFinance:Admin:Email"] = null;
        }
        return new DeepFinanceApp(settings, logs is null ? null : b => b.ConfigureLogging(l => l.AddProvider(logs)));
    }

    private string KeyRingText() => string.Concat(Directory.GetFiles(Path.Combine(_data, "keys"), "*.xml").Select(File.ReadAllText));

    [Fact]
    public void Data_directory_key_ring_is_encrypted_with_the_master_key_and_does_not_decrypt_without_it()
    {
        string protectedKey;
        using (var app = Start(MasterKey))
        {
            protectedKey = app.Services.GetRequiredService<ISecretProtector>().Protect("sk-at-rest-1234");
        }
        var ring = KeyRingText();
        Assert.Contains("encryptedWithMasterKey", ring, StringComparison.Ordinal);
        // The key material itself is not in the file in clear.
        Assert.DoesNotContain("<masterKey", ring, StringComparison.Ordinal);

        using (var again = Start(MasterKey))
        {
            Assert.Equal("sk-at-rest-1234", again.Services.GetRequiredService<ISecretProtector>().Unprotect(protectedKey));
        }
        // Someone with a copy of the data directory but not the master key.
        using (var thief = Start(masterKey: null))
        {
            var refused = Assert.ThrowsAny<CryptographicException>(() => thief.Services.GetRequiredService<ISecretProtector>().Unprotect(protectedKey));
            Assert.Contains("DeepFinance:DataProtection:MasterKey", refused.ToString(), StringComparison.Ordinal);
        }
        using (var wrongKey = Start(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))))
        {
            Assert.ThrowsAny<CryptographicException>(() => wrongKey.Services.GetRequiredService<ISecretProtector>().Unprotect(protectedKey));
        }
    }

    [Fact]
    public void Key_ring_written_before_a_master_key_was_configured_still_decrypts_after()
    {
        string protectedKey;
        using (var app = Start(masterKey: null))
        {
            protectedKey = app.Services.GetRequiredService<ISecretProtector>().Protect("sk-older-than-the-master-key");
        }
        Assert.Contains("<masterKey", KeyRingText(), StringComparison.Ordinal);

        using var upgraded = Start(MasterKey);
        var protector = upgraded.Services.GetRequiredService<ISecretProtector>();
        Assert.Equal("sk-older-than-the-master-key", protector.Unprotect(protectedKey));
        Assert.Equal("sk-new", protector.Unprotect(protector.Protect("sk-new")));
    }

    [Fact]
    public void Without_key_ring_protection_the_app_starts_and_warns_once_how_to_set_it()
    {
        var logs = new CapturingLoggerProvider();
        using (var app = Start(masterKey: null, logs: logs))
        {
            app.Services.GetRequiredService<ISecretProtector>().Protect("sk-demo-12345678");
        }
        var warnings = logs.Messages.Where(m => m.Contains("key ring", StringComparison.OrdinalIgnoreCase) || m.Contains("encryptor", StringComparison.OrdinalIgnoreCase)).ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains("DeepFinance__DataProtection__MasterKey", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Fresh_data_directory_is_owner_only_700_and_600()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes
        }
        using (var app = Start(MasterKey, generatedAdminPassword: true))
        {
            app.Services.GetRequiredService<ISecretProtector>().Protect("sk-mode-test-1234");
            // The start wrote the databases (migrations, the demo corpus), and the pooled connections keep their -wal.
            Assert.True(File.Exists(Path.Combine(_data, "initial-admin.txt")));
            AssertOwnerOnly();
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private void AssertOwnerOnly()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_data));
        var files = Directory.GetFiles(_data, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("deepfinance.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("deepfinance.db-wal", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("identity.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".xml", StringComparison.Ordinal));
        foreach (var file in files)
        {
            Assert.True(File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite),
                $"{file} is {Convert.ToString((int)File.GetUnixFileMode(file), 8)}, not 600");
        }
        foreach (var directory in Directory.GetDirectories(_data, "*", SearchOption.AllDirectories))
        {
            Assert.True(File.GetUnixFileMode(directory) == (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute),
                $"{directory} is {Convert.ToString((int)File.GetUnixFileMode(directory), 8)}, not 700");
        }
    }

    [Fact]
    public void World_readable_files_found_at_start_up_are_tightened_with_a_log_line()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes
        }
        Directory.CreateDirectory(_data);
        File.SetUnixFileMode(_data, (UnixFileMode)Convert.ToInt32("755", 8));
        var stale = Path.Combine(_data, "initial-admin.txt");
        File.WriteAllText(stale, "email: old@x\npassword: y\n");
        File.SetUnixFileMode(stale, (UnixFileMode)Convert.ToInt32("644", 8));
        var logs = new CapturingLoggerProvider();

        using (var app = Start(MasterKey, logs: logs))
        {
            app.Services.GetRequiredService<ISecretProtector>().Protect("sk-mode-test-1234");
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(stale));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_data));
        Assert.Contains(logs.Messages, m => m.Contains("Tightened", StringComparison.Ordinal) && m.Contains("initial-admin.txt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Initial_admin_password_file_is_deleted_after_the_first_admins_first_sign_in()
    {
        using var app = Start(MasterKey, generatedAdminPassword: true);
        var file = Path.Combine(_data, "initial-admin.txt");
        var lines = File.ReadAllLines(file);
        var email = lines.Single(l => l.StartsWith("email: ", StringComparison.Ordinal))["email: ".Length..];
        var password = lines.Single(l => l.StartsWith("password: ", StringComparison.Ordinal))["password: ".Length..];
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        using var client = app.Anonymous();

        var wrong = await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password = password + "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.True(File.Exists(file), "a failed sign-in keeps the file");

        var right = await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.False(File.Exists(file), "the first admin's sign-in deletes the password file");
    }

    [Fact]
    public async Task Cli_admin_forget_initial_password_deletes_the_file()
    {
        using (Start(MasterKey, generatedAdminPassword: true))
        {
        }
        var file = Path.Combine(_data, "initial-admin.txt");
        Assert.True(File.Exists(file));

        var (code, output) = await RunCliAsync("admin", "forget-initial-password", "--data", _data);
        Assert.Equal(0, code);
        Assert.Contains("deleted", output, StringComparison.Ordinal);
        Assert.False(File.Exists(file));

        var (again, said) = await RunCliAsync("admin", "forget-initial-password", "--data", _data);
        Assert.Equal(0, again);
        Assert.Contains("nothing to delete", said, StringComparison.Ordinal);
        var (usage, _) = await RunCliAsync("admin", "forget-everything");
        Assert.Equal(2, usage);
    }

    private static async Task<(int Code, string Output)> RunCliAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "deepfinance.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
