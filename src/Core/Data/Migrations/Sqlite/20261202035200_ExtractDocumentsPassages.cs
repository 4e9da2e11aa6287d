using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeepFinance.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ExtractDocumentsPassages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "PassageId",
                table: "Questions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AlterColumn<long>(
                name: "ParentQuestionId",
                table: "DerivedCandidates",
                type: "INTEGER",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "INTEGER");

            migrationBuilder.AddColumn<long>(
                name: "PassageId",
                table: "DerivedCandidates",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RepairRawText",
                table: "DerivedCandidates",
                type: "TEXT",
                maxLength: 20000,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DocumentSets",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    MaxPassageChars = table.Column<int>(type: "INTEGER", nullable: false),
                    OverlapChars = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DocumentSets", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Documents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DocumentSetId = table.Column<long>(type: "INTEGER", nullable: false),
                    FileName = table.Column<string>(type: "TEXT", maxLength: 260, nullable: false),
                    Format = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Language = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    Chars = table.Column<int>(type: "INTEGER", nullable: false),
                    PassageCount = table.Column<int>(type: "INTEGER", nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Documents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Documents_DocumentSets_DocumentSetId",
                        column: x => x.DocumentSetId,
                        principalTable: "DocumentSets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Passages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DocumentId = table.Column<long>(type: "INTEGER", nullable: false),
                    Index = table.Column<int>(type: "INTEGER", nullable: false),
                    Heading = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    StartLine = table.Column<int>(type: "INTEGER", nullable: false),
                    Language = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Passages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Passages_Documents_DocumentId",
                        column: x => x.DocumentId,
                        principalTable: "Documents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Questions_PassageId",
                table: "Questions",
                column: "PassageId");

            migrationBuilder.CreateIndex(
                name: "IX_DerivedCandidates_PassageId",
                table: "DerivedCandidates",
                column: "PassageId");

            migrationBuilder.CreateIndex(
                name: "IX_Documents_DocumentSetId",
                table: "Documents",
                column: "DocumentSetId");

            migrationBuilder.CreateIndex(
                name: "IX_DocumentSets_Name",
                table: "DocumentSets",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Passages_DocumentId_Index",
                table: "Passages",
                columns: new[] { "DocumentId", "Index" },
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "FK_Questions_Passages_PassageId",
                table: "Questions",
                column: "PassageId",
                principalTable: "Passages",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Questions_Passages_PassageId",
                table: "Questions");

            migrationBuilder.DropTable(
                name: "Passages");

            migrationBuilder.DropTable(
                name: "Documents");

            migrationBuilder.DropTable(
                name: "DocumentSets");

            migrationBuilder.DropIndex(
                name: "IX_Questions_PassageId",
                table: "Questions");

            migrationBuilder.DropIndex(
                name: "IX_DerivedCandidates_PassageId",
                table: "DerivedCandidates");

            migrationBuilder.DropColumn(
                name: "PassageId",
                table: "Questions");

            migrationBuilder.DropColumn(
                name: "PassageId",
                table: "DerivedCandidates");

            migrationBuilder.DropColumn(
                name: "RepairRawText",
                table: "DerivedCandidates");

            migrationBuilder.AlterColumn<long>(
                name: "ParentQuestionId",
                table: "DerivedCandidates",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L,
                oldClrType: typeof(long),
                oldType: "INTEGER",
                oldNullable: true);
        }
    }
}
