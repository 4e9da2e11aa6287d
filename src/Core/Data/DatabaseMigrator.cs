using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Data;

/// <summary>Creates the data directory and brings the database to the latest migration, in WAL mode.</summary>
public sealed class DatabaseMigrator(IDbContextFactory<DeepFinanceDbContext> factory, IOptions<DataOptions> options)
{
    public async Task MigrateAsync(CancellationToken ct = default)
    {
        Directory.CreateDirectory(options.Value.FullDataDirectory);
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Database.MigrateAsync(ct);
        // WAL lets the CLI and the web app write the same file; busy_timeout makes writers wait, not fail.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }
}
