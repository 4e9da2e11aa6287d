using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeepFinance.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class KnowledgePoints : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "KnowledgePointId",
                table: "Questions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "KnowledgePointId",
                table: "DerivedCandidates",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "KnowledgePoints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Key = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    FirstSeenAt = table.Column<long>(type: "INTEGER", nullable: false),
                    FirstRunId = table.Column<long>(type: "INTEGER", nullable: false),
                    Mentions = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_KnowledgePoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "KnowledgePointTraces",
                columns: table => new
                {
                    KnowledgePointId = table.Column<long>(type: "INTEGER", nullable: false),
                    TraceId = table.Column<long>(type: "INTEGER", nullable: false),
                    RunId = table.Column<long>(type: "INTEGER", nullable: false),
                    Statement = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    MinedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_KnowledgePointTraces", x => new { x.KnowledgePointId, x.TraceId });
                    table.ForeignKey(
                        name: "FK_KnowledgePointTraces_KnowledgePoints_KnowledgePointId",
                        column: x => x.KnowledgePointId,
                        principalTable: "KnowledgePoints",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Questions_KnowledgePointId",
                table: "Questions",
                column: "KnowledgePointId");

            migrationBuilder.CreateIndex(
                name: "IX_DerivedCandidates_KnowledgePointId",
                table: "DerivedCandidates",
                column: "KnowledgePointId");

            migrationBuilder.CreateIndex(
                name: "IX_KnowledgePoints_Key",
                table: "KnowledgePoints",
                column: "Key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_KnowledgePoints_Kind",
                table: "KnowledgePoints",
                column: "Kind");

            migrationBuilder.CreateIndex(
                name: "IX_KnowledgePointTraces_TraceId",
                table: "KnowledgePointTraces",
                column: "TraceId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "KnowledgePointTraces");

            migrationBuilder.DropTable(
                name: "KnowledgePoints");

            migrationBuilder.DropIndex(
                name: "IX_Questions_KnowledgePointId",
                table: "Questions");

            migrationBuilder.DropIndex(
                name: "IX_DerivedCandidates_KnowledgePointId",
                table: "DerivedCandidates");

            migrationBuilder.DropColumn(
                name: "KnowledgePointId",
                table: "Questions");

            migrationBuilder.DropColumn(
                name: "KnowledgePointId",
                table: "DerivedCandidates");
        }
    }
}
