using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeepFinance.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Verification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "JudgePromptTemplateId",
                table: "Traces",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "MajorityAnswer",
                table: "Questions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "MajorityShare",
                table: "Questions",
                type: "REAL",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Reverifications",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RunId = table.Column<long>(type: "INTEGER", nullable: false),
                    RelativeTolerance = table.Column<double>(type: "REAL", nullable: false),
                    Judge = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Examined = table.Column<int>(type: "INTEGER", nullable: false),
                    Changed = table.Column<int>(type: "INTEGER", nullable: false),
                    CorrectBefore = table.Column<int>(type: "INTEGER", nullable: false),
                    CorrectAfter = table.Column<int>(type: "INTEGER", nullable: false),
                    IncorrectBefore = table.Column<int>(type: "INTEGER", nullable: false),
                    IncorrectAfter = table.Column<int>(type: "INTEGER", nullable: false),
                    UnverifiableBefore = table.Column<int>(type: "INTEGER", nullable: false),
                    UnverifiableAfter = table.Column<int>(type: "INTEGER", nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    FinishedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Reverifications", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Reverifications_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Reverifications_RunId",
                table: "Reverifications",
                column: "RunId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Reverifications");

            migrationBuilder.DropColumn(
                name: "JudgePromptTemplateId",
                table: "Traces");

            migrationBuilder.DropColumn(
                name: "MajorityAnswer",
                table: "Questions");

            migrationBuilder.DropColumn(
                name: "MajorityShare",
                table: "Questions");
        }
    }
}
