namespace DeepFinance.Cli.Commands;

internal static class VerifyCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        await Console.Error.WriteLineAsync("verify: not built yet");
        return 1;
    }
}
