namespace DeepFinance.LlmSim;

/// <summary>
/// The standalone simulator, e.g.
/// <c>dotnet run --project src/LlmSim -- --urls http://127.0.0.1:5199 --Simulator:OracleFile=oracle.jsonl</c>.
/// An explicit, namespaced class (not top-level statements) so no global <c>Program</c> type leaks into
/// projects that reference this one.
/// </summary>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddLlmSimulator(builder.Configuration.GetSection("Simulator"));

        var app = builder.Build();
        app.Services.GetRequiredService<AnswerComposer>().Preload(app.Services.GetRequiredService<SimulatorOptions>());
        app.MapGet("/", () => Results.Text(
            "DeepFinance LLM simulator: POST /v1/chat/completions, GET /v1/models, GET /stats, POST /stats/reset, GET|POST /config.\n"));
        app.MapLlmSimulator();

        await app.RunAsync();
    }
}
