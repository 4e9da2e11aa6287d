using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeepFinance.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class EngineII : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Traces_RunId_QuestionId_SampleIndex",
                table: "Traces");

            migrationBuilder.AddColumn<long>(name: "ParentTraceId", table: "Traces", type: "INTEGER", nullable: true);
            migrationBuilder.AddColumn<int>(name: "Round", table: "Traces", type: "INTEGER", nullable: false, defaultValue: 0);
            migrationBuilder.AddColumn<long>(name: "RunItemId", table: "Traces", type: "INTEGER", nullable: true);
            migrationBuilder.AddColumn<string>(name: "SpecJson", table: "Runs", type: "TEXT", nullable: false, defaultValue: "{}");

            migrationBuilder.CreateTable(
                name: "RunPrompts",
                columns: table => new
                {
                    RunId = table.Column<long>(type: "INTEGER", nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    PromptTemplateId = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunPrompts", x => new { x.RunId, x.Role });
                    table.ForeignKey(
                        name: "FK_RunPrompts_PromptTemplates_PromptTemplateId",
                        column: x => x.PromptTemplateId,
                        principalTable: "PromptTemplates",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_RunPrompts_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            // Run items change shape (one per question and sample, with a status); earlier runs' items are
            // rebuilt from their questions, samples and traces so those runs can still be resumed.
            migrationBuilder.Sql("""ALTER TABLE "RunItems" RENAME TO "RunItemsOld";""");
            migrationBuilder.Sql("""DROP INDEX IF EXISTS "IX_RunItems_QuestionId";""");
            migrationBuilder.Sql("""DROP INDEX IF EXISTS "IX_RunItems_RunId_Partition";""");
            migrationBuilder.CreateTable(
                name: "RunItems",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false).Annotation("Sqlite:Autoincrement", true),
                    RunId = table.Column<long>(type: "INTEGER", nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    SubjectId = table.Column<long>(type: "INTEGER", nullable: false),
                    Slot = table.Column<int>(type: "INTEGER", nullable: false),
                    Partition = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunItems", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RunItems_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
            migrationBuilder.Sql("""
                WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 1023)
                INSERT INTO "RunItems" ("RunId", "Key", "SubjectId", "Slot", "Partition", "Status")
                SELECT o."RunId", o."QuestionId" || '/' || s.n, o."QuestionId", s.n, o."Partition",
                       CASE (SELECT t."Status" FROM "Traces" t WHERE t."RunId" = o."RunId" AND t."QuestionId" = o."QuestionId" AND t."SampleIndex" = s.n)
                           WHEN 'Succeeded' THEN 'Done' WHEN 'Failed' THEN 'Failed' ELSE 'Pending' END
                FROM "RunItemsOld" o JOIN "Runs" r ON r."Id" = o."RunId" JOIN s ON s.n < r."SamplesPerQuestion";
                """);
            migrationBuilder.Sql("""DROP TABLE "RunItemsOld";""");
            migrationBuilder.Sql("""
                UPDATE "Traces" SET "RunItemId" = (SELECT i."Id" FROM "RunItems" i
                    WHERE i."RunId" = "Traces"."RunId" AND i."Key" = "Traces"."QuestionId" || '/' || "Traces"."SampleIndex");
                """);
            migrationBuilder.Sql("""
                UPDATE "Runs" SET "Kind" = lower("Kind"),
                    "SpecJson" = json_object('seedSourceId', "SeedSourceId", 'samplesPerQuestion', "SamplesPerQuestion", 'samplingSalt', "SamplingSalt",
                        'relativeTolerance', json_extract("ParametersJson", '$.RelativeTolerance'), 'judge', json_extract("ParametersJson", '$.Judge'));
                """);
            migrationBuilder.Sql("""
                INSERT INTO "RunPrompts" ("RunId", "Role", "PromptTemplateId") SELECT "Id", 'sample', "PromptTemplateId" FROM "Runs" WHERE "PromptTemplateId" > 0;
                INSERT INTO "RunPrompts" ("RunId", "Role", "PromptTemplateId")
                    SELECT "Id", 'judge', json_extract("ParametersJson", '$.JudgePromptTemplateId') FROM "Runs"
                    WHERE json_extract("ParametersJson", '$.JudgePromptTemplateId') IS NOT NULL;
                """);

            migrationBuilder.CreateIndex(name: "IX_Traces_ParentTraceId", table: "Traces", column: "ParentTraceId");
            migrationBuilder.CreateIndex(name: "IX_Traces_RunId_QuestionId_SampleIndex_Round", table: "Traces",
                columns: new[] { "RunId", "QuestionId", "SampleIndex", "Round" }, unique: true);
            migrationBuilder.CreateIndex(name: "IX_Traces_RunItemId", table: "Traces", column: "RunItemId");
            migrationBuilder.CreateIndex(name: "IX_RunItems_RunId_Key", table: "RunItems", columns: new[] { "RunId", "Key" }, unique: true);
            migrationBuilder.CreateIndex(name: "IX_RunItems_RunId_Partition_Status", table: "RunItems", columns: new[] { "RunId", "Partition", "Status" });
            migrationBuilder.CreateIndex(name: "IX_RunItems_RunId_Status", table: "RunItems", columns: new[] { "RunId", "Status" });
            migrationBuilder.CreateIndex(name: "IX_RunPrompts_PromptTemplateId", table: "RunPrompts", column: "PromptTemplateId");
            // Keyset paging of the trace grid: one index per sort key, with and without the verdict filter.
            migrationBuilder.CreateIndex(name: "IX_Traces_RunId_Id", table: "Traces", columns: new[] { "RunId", "Id" });
            migrationBuilder.CreateIndex(name: "IX_Traces_RunId_LatencyMs_Id", table: "Traces", columns: new[] { "RunId", "LatencyMs", "Id" });
            migrationBuilder.CreateIndex(name: "IX_Traces_RunId_CompletionTokens_Id", table: "Traces", columns: new[] { "RunId", "CompletionTokens", "Id" });
            migrationBuilder.CreateIndex(name: "IX_Traces_RunId_Verdict_LatencyMs_Id", table: "Traces", columns: new[] { "RunId", "Verdict", "LatencyMs", "Id" });
            migrationBuilder.CreateIndex(name: "IX_Traces_RunId_Verdict_CompletionTokens_Id", table: "Traces", columns: new[] { "RunId", "Verdict", "CompletionTokens", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Run items were rebuilt one per sample; folding them back would lose their status. Restore a backup instead.
            throw new NotSupportedException("The EngineII migration cannot be reverted; restore the data directory from a backup.");
        }
    }
}
