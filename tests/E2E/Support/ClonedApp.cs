using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DeepFinance.E2E.Tests.Support;

/// <summary>
/// The app started the way README's quick start tells a new user: <c>git clone</c> of this repository into a
/// temporary folder, then <c>dotnet run --project src/Web -- --urls http://127.0.0.1:PORT</c> in that clone, with
/// none of our hosting settings in the environment (so it starts in Production, from the build output).
/// </summary>
public sealed class ClonedApp : IAsyncDisposable
{
    /// <summary>A clone builds from scratch (restore, four projects) on a machine shared with other builds.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);

    // Settings a developer's shell or the test host may carry that a new user's shell does not: the environment
    // name, our own configuration, and the MSBuild/test-host variables that would steer the clone's build.
    private static readonly string[] StrippedPrefixes =
        ["ASPNETCORE_", "DOTNET_ENVIRONMENT", "DeepFinance__", "MSBuild", "MSBUILD", "VSTEST", "TESTINGPLATFORM"];

    private readonly Process process;
    private readonly ConcurrentQueue<string> console = new();

    private ClonedApp(string root, Process process, Uri baseAddress)
    {
        Root = root;
        this.process = process;
        BaseAddress = baseAddress;
    }

    /// <summary>The temporary folder holding the clone (in <c>repo/</c>).</summary>
    public string Root { get; }

    public string Clone => Path.Combine(Root, "repo");

    public Uri BaseAddress { get; }

    /// <summary>The last lines the app and its build printed, for failure messages.</summary>
    public string ConsoleTail(int lines = 40) => string.Join('\n', console.TakeLast(lines));

    public static async Task<ClonedApp> StartAsync()
    {
        var repository = RepositoryRoot();
        var root = Path.Combine(Path.GetTempPath(), "df-firststart-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            await RunGitCloneAsync(repository, Path.Combine(root, "repo"));
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }

        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(root, "repo"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Exactly README's command; the port is the option README documents.
        foreach (var arg in new[] { "run", "--project", "src/Web", "--", "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (StrippedPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
            {
                start.Environment.Remove(key);
            }
        }
        // Build servers outlive `dotnet run` and would keep this test's output pipes open after the tree is killed;
        // turning them off changes how the clone is compiled, not what runs.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["UseRazorBuildServer"] = "false";

        var process = new Process { StartInfo = start };
        var app = new ClonedApp(root, process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => app.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => app.Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await app.WaitUntilHealthyAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return app;
    }

    /// <summary>The generated first-admin password, from the file the first start writes beside the databases.</summary>
    public string ReadInitialAdminPassword()
    {
        var file = Path.Combine(Clone, "src", "Web", "data", "initial-admin.txt");
        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"The first start wrote no {file}. Console:\n{ConsoleTail()}");
        }
        var line = File.ReadAllLines(file).FirstOrDefault(l => l.StartsWith("password: ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{file} holds no 'password: ' line.");
        return line["password: ".Length..].Trim();
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        console.Enqueue(line);
        while (console.Count > 400 && console.TryDequeue(out _))
        {
        }
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"`dotnet run --project src/Web` in the clone exited with code {process.ExitCode} before answering. Console:\n{ConsoleTail()}");
            }
            try
            {
                using var response = await http.GetAsync("health");
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
            await Task.Delay(1000);
        }
        throw new TimeoutException(
            $"`dotnet run --project src/Web` in the clone did not answer /health within {StartTimeout}. Console:\n{ConsoleTail()}");
    }

    private static async Task RunGitCloneAsync(string repository, string target)
    {
        var git = new ProcessStartInfo("git") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "clone", "-q", "--no-hardlinks", repository, target })
        {
            git.ArgumentList.Add(arg);
        }
        using var process = Process.Start(git) ?? throw new InvalidOperationException("git could not be started.");
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git clone {repository} failed ({process.ExitCode}): {await error}");
        }
    }

    /// <summary>The repository this test assembly was built from: the nearest folder up holding DeepFinance.sln.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DeepFinance.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No DeepFinance.sln above {AppContext.BaseDirectory}: the first-start test clones the repository.");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // `dotnet run` starts the app as a child process: end the whole tree, or the app outlives the test.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(wait.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
        }
        finally
        {
            process.Dispose();
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
