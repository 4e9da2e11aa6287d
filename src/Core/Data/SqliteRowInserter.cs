using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace DeepFinance.Core.Data;

/// <summary>
/// Inserts rows of an entity type with one prepared statement, the columns and value conversions read from
/// the EF model (so they cannot drift from it). For the writer's hot path, where EF's change tracking and
/// command batching cost more than the insert itself.
/// </summary>
public sealed class SqliteRowInserter
{
    private static readonly ConcurrentDictionary<(Type, bool), SqliteRowInserter> Cache = new();
    private readonly string _sql;
    private readonly (IProperty Property, Func<object?, object?> ToProvider)[] _columns;

    private SqliteRowInserter(IEntityType entity, bool orIgnore)
    {
        _columns = entity.GetProperties()
            .Where(p => p.ValueGenerated == Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.Never || !p.IsPrimaryKey())
            .Select(p =>
            {
                var converter = p.GetTypeMapping().Converter;
                Func<object?, object?> convert = converter is null ? v => v : v => v is null ? null : converter.ConvertToProvider(v);
                return (p, convert);
            }).ToArray();
        var table = entity.GetTableName();
        var names = string.Join(", ", _columns.Select(c => $"\"{c.Property.GetColumnName()}\""));
        var values = string.Join(", ", _columns.Select((_, i) => "$p" + i));
        _sql = $"INSERT {(orIgnore ? "OR IGNORE " : "")}INTO \"{table}\" ({names}) VALUES ({values})";
    }

    public static SqliteRowInserter For<T>(DbContext db, bool orIgnore = false)
    {
        ArgumentNullException.ThrowIfNull(db);
        return Cache.GetOrAdd((typeof(T), orIgnore), key => new SqliteRowInserter(db.Model.FindEntityType(key.Item1)!, key.Item2));
    }

    public SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = _sql;
        for (var i = 0; i < _columns.Length; i++)
        {
            command.Parameters.Add(new SqliteParameter("$p" + i, null));
        }
        command.Prepare();
        return command;
    }

    /// <returns>Rows inserted: 0 when OR IGNORE skipped a duplicate.</returns>
    public int Insert(SqliteCommand command, object row)
    {
        ArgumentNullException.ThrowIfNull(command);
        for (var i = 0; i < _columns.Length; i++)
        {
            var value = _columns[i].ToProvider(_columns[i].Property.PropertyInfo!.GetValue(row));
            command.Parameters[i].Value = value ?? DBNull.Value;
        }
        return command.ExecuteNonQuery();
    }
}
