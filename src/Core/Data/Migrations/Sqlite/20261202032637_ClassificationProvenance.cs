using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeepFinance.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ClassificationProvenance : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DifficultyDetail",
                table: "Questions",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TaskTypeDetail",
                table: "Questions",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TaskTypeSource",
                table: "Questions",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            // Existing labels get the source that set them, as far as the rows tell: an expert's (real-world), the seed's,
            // the parent's (A2Q), otherwise the rules'. Difficulties already carried their source.
            migrationBuilder.Sql("""
                UPDATE "Questions" SET "TaskTypeSource" = CASE
                    WHEN "Origin" = 'RealWorld' THEN 'Expert'
                    WHEN "SeedItemId" IS NOT NULL AND EXISTS (SELECT 1 FROM "SeedItems" i WHERE i."Id" = "Questions"."SeedItemId" AND i."TaskType" IS NOT NULL) THEN 'Seed'
                    WHEN "Origin" = 'A2Q' AND "ParentQuestionId" IS NOT NULL THEN 'Parent'
                    ELSE 'Rule' END
                WHERE "TaskType" IS NOT NULL
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DifficultyDetail",
                table: "Questions");

            migrationBuilder.DropColumn(
                name: "TaskTypeDetail",
                table: "Questions");

            migrationBuilder.DropColumn(
                name: "TaskTypeSource",
                table: "Questions");
        }
    }
}
