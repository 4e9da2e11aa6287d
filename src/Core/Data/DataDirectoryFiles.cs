using Microsoft.Extensions.Logging;

namespace DeepFinance.Core.Data;

/// <summary>
/// The data directory holds the databases, the key ring and the first admin's password: on Unix only its owner
/// may read it (directories 700, files 600). New files are created that way; files found looser at start-up are
/// tightened. SQLite creates <c>-wal</c>/<c>-shm</c> with the mode of their database, so pre-creating the
/// databases owner-only covers those too. On Windows the directory's ACLs decide, and nothing here applies.
/// </summary>
public static class DataDirectoryFiles
{
    public const UnixFileMode OwnerDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode OwnerFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [System.Runtime.Versioning.UnsupportedOSPlatformGuard("windows")]
    private static bool Unix => !OperatingSystem.IsWindows();

    /// <summary>
    /// Creates a SQLite database's directory (700) and an empty database file (600) when missing, before SQLite
    /// would create it with the process's default mode. An empty file is an empty SQLite database.
    /// </summary>
    public static string PrepareDatabase(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } directory)
        {
            CreateDirectory(directory);
        }
        if (!File.Exists(path))
        {
            try
            {
                using var _ = Open(path, FileMode.CreateNew);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process (the CLI beside the web app) created it first.
            }
        }
        return path;
    }

    public static void CreateDirectory(string directory)
    {
        if (Unix)
        {
            Directory.CreateDirectory(directory, OwnerDirectoryMode);
        }
        else
        {
            Directory.CreateDirectory(directory);
        }
    }

    /// <summary>A file stream that, when it creates the file, creates it owner-only.</summary>
    public static FileStream Open(string path, FileMode mode, FileAccess access = FileAccess.Write)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.Read };
        if (Unix)
        {
            options.UnixCreateMode = OwnerFileMode;
        }
        return new FileStream(path, options);
    }

    /// <summary>Writes a whole text file owner-only (tightening it if it already existed looser).</summary>
    public static async Task WriteAllTextAsync(string path, string text, CancellationToken ct = default)
    {
        await using (var stream = Open(path, FileMode.Create))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(text.AsMemory(), ct);
        }
        Tighten(path, OwnerFileMode, null);
    }

    /// <summary>Removes group and other access from everything under <paramref name="directory"/>; each change is logged.</summary>
    /// <returns>The paths that were tightened.</returns>
    public static IReadOnlyList<string> TightenAll(string directory, ILogger? logger)
    {
        var changed = new List<string>();
        if (!Unix || !Directory.Exists(directory))
        {
            return changed;
        }
        if (Tighten(directory, OwnerDirectoryMode, logger))
        {
            changed.Add(directory);
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
        {
            var isDirectory = Directory.Exists(entry);
            if (Tighten(entry, isDirectory ? OwnerDirectoryMode : OwnerFileMode, logger))
            {
                changed.Add(entry);
            }
        }
        return changed;
    }

    private static bool Tighten(string path, UnixFileMode mode, ILogger? logger)
    {
        if (!Unix)
        {
            return false;
        }
        try
        {
            var current = File.GetUnixFileMode(path);
            if ((current & GroupOrOther) == 0)
            {
                return false;
            }
            File.SetUnixFileMode(path, mode);
            logger?.LogWarning("Tightened {Path} from {Before} to {After}: the data directory is for its owner only",
                path, Octal(current), Octal(mode));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger?.LogWarning("Could not tighten {Path} to owner-only: {Error}", path, e.Message);
            return false;
        }
    }

    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
}
