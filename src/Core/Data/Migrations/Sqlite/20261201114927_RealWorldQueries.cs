using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeepFinance.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RealWorldQueries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AnnotationGuidelines",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Markdown = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AnnotationGuidelines", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "CapabilityTags",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    NameZh = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Retired = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CapabilityTags", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RealWorldImports",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    FileName = table.Column<string>(type: "TEXT", maxLength: 260, nullable: false),
                    ImportedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    QueryCount = table.Column<int>(type: "INTEGER", nullable: false),
                    ImportedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RawRetainedUntil = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RealWorldImports", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RealWorldQueries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ImportId = table.Column<long>(type: "INTEGER", nullable: false),
                    LineNumber = table.Column<int>(type: "INTEGER", nullable: false),
                    RawProtected = table.Column<string>(type: "TEXT", nullable: true),
                    RawErasedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DesensitizedText = table.Column<string>(type: "TEXT", nullable: false),
                    EntitiesJson = table.Column<string>(type: "TEXT", nullable: false),
                    HighestSurvivingLevel = table.Column<string>(type: "TEXT", maxLength: 2, nullable: true),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Product = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    AskedOn = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    CheckedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    CheckedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    QuestionId = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RealWorldQueries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RealWorldQueries_Questions_QuestionId",
                        column: x => x.QuestionId,
                        principalTable: "Questions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_RealWorldQueries_RealWorldImports_ImportId",
                        column: x => x.ImportId,
                        principalTable: "RealWorldImports",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Annotations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    QueryId = table.Column<long>(type: "INTEGER", nullable: false),
                    Expert = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    IsAdjudication = table.Column<bool>(type: "INTEGER", nullable: false),
                    TaskType = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Difficulty = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    CapabilityTagsJson = table.Column<string>(type: "TEXT", nullable: false),
                    ReferenceAnswer = table.Column<string>(type: "TEXT", nullable: true),
                    ReferenceFromDraft = table.Column<bool>(type: "INTEGER", nullable: false),
                    Usable = table.Column<bool>(type: "INTEGER", nullable: false),
                    UnusableReason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Notes = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    GuidelineVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    ElapsedMs = table.Column<int>(type: "INTEGER", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Annotations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Annotations_RealWorldQueries_QueryId",
                        column: x => x.QueryId,
                        principalTable: "RealWorldQueries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ExpertAssignments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    QueryId = table.Column<long>(type: "INTEGER", nullable: true),
                    ReviewId = table.Column<long>(type: "INTEGER", nullable: true),
                    Expert = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Done = table.Column<bool>(type: "INTEGER", nullable: false),
                    ReservedUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    AssignedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DoneAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExpertAssignments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ExpertAssignments_RealWorldQueries_QueryId",
                        column: x => x.QueryId,
                        principalTable: "RealWorldQueries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ExpertAssignments_Reviews_ReviewId",
                        column: x => x.ReviewId,
                        principalTable: "Reviews",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AnnotationGuidelines_Version",
                table: "AnnotationGuidelines",
                column: "Version",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Annotations_Expert_At",
                table: "Annotations",
                columns: new[] { "Expert", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_Annotations_QueryId_Expert",
                table: "Annotations",
                columns: new[] { "QueryId", "Expert" });

            migrationBuilder.CreateIndex(
                name: "IX_CapabilityTags_Name",
                table: "CapabilityTags",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ExpertAssignments_Expert_Done_Id",
                table: "ExpertAssignments",
                columns: new[] { "Expert", "Done", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_ExpertAssignments_QueryId_Expert",
                table: "ExpertAssignments",
                columns: new[] { "QueryId", "Expert" },
                unique: true,
                filter: "QueryId IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_ExpertAssignments_ReviewId",
                table: "ExpertAssignments",
                column: "ReviewId");

            migrationBuilder.CreateIndex(
                name: "IX_RealWorldImports_RawRetainedUntil",
                table: "RealWorldImports",
                column: "RawRetainedUntil");

            migrationBuilder.CreateIndex(
                name: "IX_RealWorldQueries_ImportId_LineNumber",
                table: "RealWorldQueries",
                columns: new[] { "ImportId", "LineNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RealWorldQueries_QuestionId",
                table: "RealWorldQueries",
                column: "QuestionId");

            migrationBuilder.CreateIndex(
                name: "IX_RealWorldQueries_Status_Id",
                table: "RealWorldQueries",
                columns: new[] { "Status", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AnnotationGuidelines");

            migrationBuilder.DropTable(
                name: "Annotations");

            migrationBuilder.DropTable(
                name: "CapabilityTags");

            migrationBuilder.DropTable(
                name: "ExpertAssignments");

            migrationBuilder.DropTable(
                name: "RealWorldQueries");

            migrationBuilder.DropTable(
                name: "RealWorldImports");
        }
    }
}
