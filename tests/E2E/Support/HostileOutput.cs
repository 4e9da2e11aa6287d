using System.Text.Json;

namespace DeepFinance.E2E.Tests.Support;

/// <summary>
/// Model output written as an attacker would: a full-page overlay through Markdown generic attributes and through a
/// raw HTML div, both holding a link to another site, and images from a host the viewer's browser must never call.
/// The simulator answers it (scripted) only to the probe question, so no other test sees it.
/// </summary>
public static class HostileOutput
{
    public const string ImageHost = "img.attacker.test";
    public const string ProbeQuestion = "Overlay probe: what is 6 times 7?";

    private const string Cover = "position:fixed;inset:0;z-index:99999;display:block;width:100vw;height:100vh;background:rgba(255,0,0,0.02)";

    public static readonly string Answer = string.Join("\n\n",
        "Working it out step by step.{style=\"" + Cover + "\"}",
        "[Continue reading](http://attacker.test/steal){style=\"" + Cover + "\"}",
        "<div style=\"" + Cover + "\"><a href=\"http://attacker.test/div\" style=\"" + Cover + "\">&nbsp;</a></div>",
        $"![chart](http://{ImageHost}/p.png)",
        $"<img src=\"http://{ImageHost}/q.png\">",
        "The answer is 42.");

    public static readonly string Reasoning = $"6 × 7 = 42. ![x](http://{ImageHost}/r.png){{style=\"{Cover}\"}}";

    public static string SeedJsonl => JsonSerializer.Serialize(new { id = "overlay-1", question = ProbeQuestion, answer = "42" }) + "\n";

    public static string ScriptJsonl => JsonSerializer.Serialize(new
    {
        match = new { contains = "Overlay probe" },
        content = Answer,
        reasoning = Reasoning,
    }) + "\n";
}
