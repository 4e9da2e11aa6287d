using DeepFinance.Cli.Commands;

// Each command returns its exit code: 0 success, 2 bad input (with file and line on stderr), 1 other failure.
var commands = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["import"] = ImportCommand.RunAsync,
    ["export"] = ExportCommand.RunAsync,
    ["migrate"] = MigrateCommand.RunAsync,
    ["verify"] = VerifyCommand.RunAsync,
    ["dedup"] = DedupCommand.RunAsync,
    ["redact"] = RedactCommand.RunAsync,
    ["admin"] = AdminCommand.RunAsync,
    ["benchmark"] = DecontaminateCommand.BenchmarkAsync,
    ["decontaminate"] = DecontaminateCommand.RunAsync,
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var run))
{
    await Console.Error.WriteLineAsync($"usage: deepfinance <{string.Join('|', commands.Keys)}> [options]");
    return 2;
}

return await run(args[1..]);
