using DeepFinance.Web.Api;

namespace DeepFinance.Web.Tests.Users;

/// <summary>An audit export opened in a spreadsheet never runs a formula someone put in a name or subject.</summary>
public sealed class AuditCsvFormulaTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"https://evil.example\",\"open\")", "\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"open\"\")\"")]
    [InlineData("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1:A2)", "'@SUM(A1:A2)")]
    [InlineData("ana@bank.example", "ana@bank.example")]
    [InlineData("run:12", "run:12")]
    public void Formula_cells_are_defused_and_plain_ones_left_alone(string value, string cell) =>
        Assert.Equal(cell, AuditCsv.Field(value));
}
