using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeepFinance.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CorpusMappings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_SeedItems_SeedSourceId_LineNumber",
                table: "SeedItems");

            migrationBuilder.AddColumn<string>(
                name: "AnswerScale",
                table: "SeedItems",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Difficulty",
                table: "SeedItems",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ItemIndex",
                table: "SeedItems",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "SeedMappings",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    MappingJson = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SeedMappings", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SeedItems_SeedSourceId_LineNumber_ItemIndex",
                table: "SeedItems",
                columns: new[] { "SeedSourceId", "LineNumber", "ItemIndex" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SeedMappings_Name",
                table: "SeedMappings",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SeedMappings");

            migrationBuilder.DropIndex(
                name: "IX_SeedItems_SeedSourceId_LineNumber_ItemIndex",
                table: "SeedItems");

            migrationBuilder.DropColumn(
                name: "AnswerScale",
                table: "SeedItems");

            migrationBuilder.DropColumn(
                name: "Difficulty",
                table: "SeedItems");

            migrationBuilder.DropColumn(
                name: "ItemIndex",
                table: "SeedItems");

            migrationBuilder.CreateIndex(
                name: "IX_SeedItems_SeedSourceId_LineNumber",
                table: "SeedItems",
                columns: new[] { "SeedSourceId", "LineNumber" },
                unique: true);
        }
    }
}
