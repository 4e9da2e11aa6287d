using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Bench.Engine;

/// <summary>
/// Grows one run's traces to a target count by copying its real traces under further sample indexes, so the
/// trace grid can be timed at 300K traces without sampling 300K answers. The column list is read from the
/// table itself, so a schema change needs no edit here.
/// </summary>
internal static class TraceReplicator
{
    public static async Task<int> GrowAsync(IServiceProvider services, long runId, int target)
    {
        var factory = services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var table = db.Model.FindEntityType(typeof(CotTrace))!.GetTableName()!;
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var columns = new List<string>();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = $"PRAGMA table_info(\"{table}\")";
            await using var reader = await pragma.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(1));
            }
        }
        var copied = columns.Where(c => c != nameof(CotTrace.Id)).ToList();
        var names = string.Join(", ", copied.Select(c => $"\"{c}\""));
        var values = string.Join(", ", copied.Select(c => c == nameof(CotTrace.SampleIndex) ? $"\"{c}\" + @k" : $"\"{c}\""));
        var original = await db.Traces.CountAsync(t => t.RunId == runId && t.SampleIndex == 0);
        var total = original;
        for (var k = 1; total < target; k++)
        {
            await using var insert = connection.CreateCommand();
            var take = Math.Min(original, target - total);
            insert.CommandText = $"INSERT INTO \"{table}\" ({names}) SELECT {values} FROM \"{table}\" " +
                $"WHERE \"{nameof(CotTrace.RunId)}\" = @run AND \"{nameof(CotTrace.SampleIndex)}\" = 0 ORDER BY \"{nameof(CotTrace.Id)}\" LIMIT @take";
            AddParameter(insert, "@k", k);
            AddParameter(insert, "@run", runId);
            AddParameter(insert, "@take", take);
            total += await insert.ExecuteNonQueryAsync();
        }
        return total;
    }

    private static void AddParameter(System.Data.Common.DbCommand command, string name, long value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
