using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DeepFinance.Web.Tests.Faults;

/// <summary>A built program of this repository (the web app, the simulator) run as its own process, so it can be killed.</summary>
public sealed class ProductProcess : IAsyncDisposable
{
    private static readonly string[] StrippedPrefixes = ["ASPNETCORE_", "DOTNET_ENVIRONMENT", "DeepFinance__"];
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _console = new();

    private ProductProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string ConsoleTail(int lines = 60) => string.Join('\n', _console.TakeLast(lines));

    /// <summary>Starts <c>src/&lt;project&gt;/bin/&lt;configuration&gt;/net10.0/&lt;dll&gt;</c> from its own folder, as the built product runs.</summary>
    public static async Task<ProductProcess> StartAsync(string project, string dll, IDictionary<string, string> environment, int? port = null,
        params string[] args)
    {
        var folder = Path.Combine(RepositoryRoot(), "src", project, "bin", Configuration(), "net10.0");
        var path = Path.Combine(folder, dll);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Build {project} first: {path} does not exist.");
        }
        port ??= FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(path);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var key in start.Environment.Keys.Where(k => StrippedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start };
        var product = new ProductProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => product.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => product.Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return product;
    }

    public async Task WaitUntilAnsweringAsync(string path, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The process exited with code {_process.ExitCode}. Console:\n{ConsoleTail()}");
            }
            try
            {
                using var response = await http.GetAsync(path);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{BaseAddress}{path} did not answer within {timeout}. Console:\n{ConsoleTail()}");
    }

    /// <summary>SIGKILL: no shutdown hook, no flush, nothing the process can do about it.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        _console.Enqueue(line);
        while (_console.Count > 500 && _console.TryDequeue(out _))
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Configuration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DeepFinance.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("DeepFinance.sln not found above the test folder.");
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
