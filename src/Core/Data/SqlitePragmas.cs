using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace DeepFinance.Core.Data;

/// <summary>
/// Per-connection settings. SQLite's own busy wait replaces Microsoft.Data.Sqlite's retry loop, which
/// sleeps 150 ms at a time on a pool thread; NORMAL sync in WAL mode survives a killed process (only a
/// power cut can lose the last commits) and makes each commit far cheaper.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    public const int BusyTimeoutMs = 30_000;

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    public static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout={BusyTimeoutMs}; PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }
}
