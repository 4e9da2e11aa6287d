using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>The pipeline database: SQLite in WAL mode in the data directory, one context per operation.</summary>
    public static IServiceCollection AddDeepFinanceData(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DataOptions>().Bind(configuration.GetSection(DataOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.Database.Provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase),
                "DeepFinance:Database:Provider=Postgres is not available yet; use Sqlite.")
            .ValidateOnStart();
        services.AddDbContextFactory<DeepFinanceDbContext>((sp, o) =>
        {
            var data = sp.GetRequiredService<IOptions<DataOptions>>().Value;
            o.UseSqlite(SqliteConnectionString(data.SqlitePath("deepfinance.db"))).AddInterceptors(SqlitePragmas.Instance);
        });
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<GroupCommitWriter>();
        services.AddSingleton<OverviewQueries>();
        return services;
    }

    /// <summary>The connection string of a SQLite file in the data directory, which is created owner-only first.</summary>
    public static string SqliteConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = DataDirectoryFiles.PrepareDatabase(path),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();
}
