using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DeepFinance.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TraceGridIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Traces_RunId_CompletionTokens_Id",
                table: "Traces",
                columns: new[] { "RunId", "CompletionTokens", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Traces_RunId_Id",
                table: "Traces",
                columns: new[] { "RunId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Traces_RunId_LatencyMs_Id",
                table: "Traces",
                columns: new[] { "RunId", "LatencyMs", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Traces_RunId_Verdict_CompletionTokens_Id",
                table: "Traces",
                columns: new[] { "RunId", "Verdict", "CompletionTokens", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Traces_RunId_Verdict_LatencyMs_Id",
                table: "Traces",
                columns: new[] { "RunId", "Verdict", "LatencyMs", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Traces_RunId_CompletionTokens_Id",
                table: "Traces");

            migrationBuilder.DropIndex(
                name: "IX_Traces_RunId_Id",
                table: "Traces");

            migrationBuilder.DropIndex(
                name: "IX_Traces_RunId_LatencyMs_Id",
                table: "Traces");

            migrationBuilder.DropIndex(
                name: "IX_Traces_RunId_Verdict_CompletionTokens_Id",
                table: "Traces");

            migrationBuilder.DropIndex(
                name: "IX_Traces_RunId_Verdict_LatencyMs_Id",
                table: "Traces");
        }
    }
}
