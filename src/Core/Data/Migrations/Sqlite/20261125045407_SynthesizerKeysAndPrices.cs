using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeepFinance.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SynthesizerKeysAndPrices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ApiKeyLast4",
                table: "Synthesizers",
                type: "TEXT",
                maxLength: 4,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ApiKeyProtected",
                table: "Synthesizers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "SynthesizerPrices",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    SynthesizerId = table.Column<long>(type: "INTEGER", nullable: false),
                    InputPricePerMillion = table.Column<double>(type: "REAL", nullable: false),
                    OutputPricePerMillion = table.Column<double>(type: "REAL", nullable: false),
                    EffectiveFrom = table.Column<long>(type: "INTEGER", nullable: false),
                    ChangedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SynthesizerPrices", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SynthesizerPrices_Synthesizers_SynthesizerId",
                        column: x => x.SynthesizerId,
                        principalTable: "Synthesizers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SynthesizerPrices_SynthesizerId_EffectiveFrom",
                table: "SynthesizerPrices",
                columns: new[] { "SynthesizerId", "EffectiveFrom" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SynthesizerPrices");

            migrationBuilder.DropColumn(
                name: "ApiKeyLast4",
                table: "Synthesizers");

            migrationBuilder.DropColumn(
                name: "ApiKeyProtected",
                table: "Synthesizers");
        }
    }
}
