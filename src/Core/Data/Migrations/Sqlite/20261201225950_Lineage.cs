using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeepFinance.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Lineage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "KnowledgePoint",
                table: "Questions",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ParentTraceId",
                table: "Questions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DerivedCandidates",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RunId = table.Column<long>(type: "INTEGER", nullable: false),
                    RunItemId = table.Column<long>(type: "INTEGER", nullable: false),
                    Origin = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ParentQuestionId = table.Column<long>(type: "INTEGER", nullable: false),
                    ParentTraceId = table.Column<long>(type: "INTEGER", nullable: true),
                    Index = table.Column<int>(type: "INTEGER", nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: true),
                    Answer = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    PerturbationKind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    PerturbationBefore = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    PerturbationAfter = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    KnowledgePoint = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    RejectReason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    RejectDetail = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    RawText = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: true),
                    Agreed = table.Column<int>(type: "INTEGER", nullable: false),
                    Samples = table.Column<int>(type: "INTEGER", nullable: false),
                    QuestionId = table.Column<long>(type: "INTEGER", nullable: true),
                    RequestHash = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    PromptTemplateId = table.Column<long>(type: "INTEGER", nullable: false),
                    TemplateVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DerivedCandidates", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DerivedCandidates_Questions_ParentQuestionId",
                        column: x => x.ParentQuestionId,
                        principalTable: "Questions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_DerivedCandidates_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Questions_ParentTraceId",
                table: "Questions",
                column: "ParentTraceId");

            migrationBuilder.CreateIndex(
                name: "IX_DerivedCandidates_ParentQuestionId",
                table: "DerivedCandidates",
                column: "ParentQuestionId");

            migrationBuilder.CreateIndex(
                name: "IX_DerivedCandidates_QuestionId",
                table: "DerivedCandidates",
                column: "QuestionId");

            migrationBuilder.CreateIndex(
                name: "IX_DerivedCandidates_RunId_Status_RejectReason",
                table: "DerivedCandidates",
                columns: new[] { "RunId", "Status", "RejectReason" });

            migrationBuilder.CreateIndex(
                name: "IX_DerivedCandidates_RunItemId",
                table: "DerivedCandidates",
                column: "RunItemId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DerivedCandidates");

            migrationBuilder.DropIndex(
                name: "IX_Questions_ParentTraceId",
                table: "Questions");

            migrationBuilder.DropColumn(
                name: "KnowledgePoint",
                table: "Questions");

            migrationBuilder.DropColumn(
                name: "ParentTraceId",
                table: "Questions");
        }
    }
}
