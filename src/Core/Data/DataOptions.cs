using System.ComponentModel.DataAnnotations;

namespace DeepFinance.Core.Data;

/// <summary>Where DeepFinance keeps its files (section <c>DeepFinance</c>).</summary>
public sealed class DataOptions
{
    public const string SectionName = "DeepFinance";

    /// <summary>SQLite databases, Hangfire storage, keys, exports and the initial admin password file.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    public DatabaseOptions Database { get; set; } = new();

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);

    public string SqlitePath(string fileName) => Path.Combine(FullDataDirectory, fileName);
}

public sealed class DatabaseOptions
{
    [RegularExpression("^(?i)(sqlite|postgres)$", ErrorMessage = "DeepFinance:Database:Provider must be Sqlite or Postgres.")]
    public string Provider { get; set; } = "Sqlite";
}
