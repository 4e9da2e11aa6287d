using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Data;

/// <summary>A database written by the previous engine is upgraded in place: its runs keep their progress and can be resumed.</summary>
public sealed class EngineUpgradeTests
{
    [Fact]
    public async Task A_half_done_run_of_the_previous_engine_keeps_its_items_and_resumes_without_resending()
    {
        await using var h = await PipelineHarness.StartAsync();
        var source = await h.ImportSeedsAsync();
        var done = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 2));
        Assert.Equal(10, h.Simulator.Stats.Requests);

        // Build a database of the previous schema holding the same rows, as the previous engine left that run
        // mid-way (one item per question, traces for 7 of its 10 samples, cancelled); put it in place; upgrade.
        var current = Path.Combine(h.Directory, "deepfinance.db");
        var old = Path.Combine(h.Directory, "old.db");
        await using (var oldDb = new DeepFinanceDbContext(new DbContextOptionsBuilder<DeepFinanceDbContext>().UseSqlite($"Data Source={old}").Options))
        {
            await oldDb.GetService<IMigrator>().MigrateAsync("20261125045407_SynthesizerKeysAndPrices");
        }
        await using (var connection = new SqliteConnection($"Data Source={old};Pooling=False"))
        {
            await connection.OpenAsync();
            await Exec(connection, $"ATTACH DATABASE '{current}' AS cur;");
            foreach (var table in new[] { "SeedSources", "SeedItems", "Questions", "PromptTemplates", "Synthesizers", "SynthesizerPrices", "Runs", "RunPartitions", "Traces", "LlmResponses" })
            {
                var columns = new List<string>();
                await using (var info = connection.CreateCommand())
                {
                    info.CommandText = $"PRAGMA main.table_info('{table}')";
                    await using var reader = await info.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        columns.Add('"' + reader.GetString(1) + '"');
                    }
                }
                var list = string.Join(", ", columns);
                await Exec(connection, $"INSERT INTO main.\"{table}\" ({list}) SELECT {list} FROM cur.\"{table}\";");
            }
            await Exec(connection, """
                DELETE FROM Traces WHERE Id IN (SELECT Id FROM Traces ORDER BY Id DESC LIMIT 3);
                INSERT INTO RunItems (RunId, QuestionId, Partition) SELECT r.Id, q.Id, 0 FROM Runs r, Questions q;
                UPDATE Runs SET Kind = 'Q2a', Status = 'Cancelled', Done = 7;
                """);
            await Exec(connection, "DETACH DATABASE cur;");
        }
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(current + suffix);
        }
        File.Move(old, current);
        await h.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync();

        await using (var db = await h.Db.CreateDbContextAsync())
        {
            var run = await db.Runs.SingleAsync();
            Assert.Equal("q2a", run.Kind);
            Assert.Contains("\"seedSourceId\"", run.SpecJson, StringComparison.Ordinal);
            var items = await db.RunItems.Where(i => i.RunId == run.Id).ToListAsync();
            Assert.Equal(10, items.Count);
            Assert.Equal(7, items.Count(i => i.Status == RunItemStatus.Done));
            Assert.Equal(3, items.Count(i => i.Status == RunItemStatus.Pending));
            Assert.All(await db.Traces.ToListAsync(), t => Assert.NotNull(t.RunItemId));
            Assert.Equal("sample", (await db.RunPrompts.SingleAsync(p => p.RunId == run.Id)).Role);
        }

        Assert.True(await h.Runs.ResumeAsync(done.Id, "test"));
        var resumed = await h.WaitAsync(done.Id);
        Assert.Equal(RunStatus.Completed, resumed.Status);
        Assert.Equal(10, resumed.Done);
        // The three samples whose traces were lost still have stored answers: nothing is bought again.
        Assert.Equal(10, h.Simulator.Stats.Requests);
    }

    private static async Task Exec(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
