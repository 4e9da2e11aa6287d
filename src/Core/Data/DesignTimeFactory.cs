using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace DeepFinance.Core.Data;

/// <summary>Lets <c>dotnet ef</c> build the SQLite model without starting a host.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<DeepFinanceDbContext>
{
    public DeepFinanceDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<DeepFinanceDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
