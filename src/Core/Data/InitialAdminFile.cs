namespace DeepFinance.Core.Data;

/// <summary>
/// <c>&lt;DataDirectory&gt;/initial-admin.txt</c>: the generated password of the first admin, written once (owner-only)
/// so the person installing can sign in. It is a live credential, so it goes away after that admin's first
/// successful sign-in, or on <c>deepfinance admin forget-initial-password</c>.
/// </summary>
public static class InitialAdminFile
{
    public const string FileName = "initial-admin.txt";

    public static string PathIn(DataOptions data) => data.SqlitePath(FileName);

    public static Task WriteAsync(DataOptions data, string email, string password, CancellationToken ct = default) =>
        DataDirectoryFiles.WriteAllTextAsync(PathIn(data), $"email: {email}\npassword: {password}\n", ct);

    /// <summary>The email the file was written for, or null when there is no (readable) file.</summary>
    public static string? EmailIn(DataOptions data)
    {
        try
        {
            return File.ReadLines(PathIn(data)).FirstOrDefault(l => l.StartsWith("email: ", StringComparison.Ordinal))?["email: ".Length..].Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Deletes the file; false when there was none.</summary>
    public static bool Forget(DataOptions data)
    {
        var path = PathIn(data);
        if (!File.Exists(path))
        {
            return false;
        }
        File.Delete(path);
        return true;
    }
}
