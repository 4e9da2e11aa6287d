using System.Text.Json;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;

namespace DeepFinance.Core.Verification;

/// <summary>What the judge is asked about one response.</summary>
/// <param name="Judge">The judge synthesizer's name.</param>
/// <param name="Input">Question, reference and full response.</param>
/// <param name="Extracted">The final answer the rules extracted, if any.</param>
/// <param name="Provenance">The provenance of the judged question's lineage; the judge call carries it to the privacy gate.</param>
/// <param name="PromptTemplateId">A pinned judge prompt version; the latest version when null.</param>
public sealed record JudgeRequest(string Judge, VerificationInput Input, string? Extracted, RequestProvenance Provenance, long? PromptTemplateId = null);

/// <summary>A judge verdict (rule "judge") with the call behind it; <see cref="Call"/> is null when no answer was obtained.</summary>
public sealed record JudgeOutcome(VerificationResult Result, PromptVersion Prompt, LlmResult? Call, int FailedAttempts)
{
    /// <summary>HTTP attempts made now (zero when the judgement came from the store).</summary>
    public int Attempts => Call?.Attempts ?? FailedAttempts;

    public decimal Cost => Call?.Cost ?? 0m;
}

/// <summary>
/// An LLM judge for answers no rule can decide. It goes through <see cref="LlmGateway"/> with the judged
/// question's provenance, so the privacy gate applies and a judgement, once stored, is never paid for again. A judge answer that is not the
/// requested JSON is reported as unverifiable with rule "judge"; it never crashes and never guesses.
/// </summary>
public sealed class AnswerJudge(LlmGateway gateway, PromptLibrary prompts)
{
    public const string Rule = "judge";
    public const string Purpose = "judge";

    /// <summary>The longest part of a response shown to the judge; the end is kept, where the answer is.</summary>
    public const int MaxResponseChars = 6000;

    /// <summary>Structured output the judge must return.</summary>
    public const string Schema = """
        {"type":"object","properties":{"verdict":{"type":"string","enum":["correct","incorrect"]},"reason":{"type":"string"}},"required":["verdict","reason"],"additionalProperties":false}
        """;

    public async Task<JudgeOutcome> JudgeAsync(JudgeRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prompt = request.PromptTemplateId is { } id
            ? await prompts.GetByIdAsync(id, ct)
            : await prompts.GetAsync(PromptLibrary.AnswerJudge, null, ct);
        var llmRequest = BuildRequest(request, prompt);
        LlmResult call;
        try
        {
            call = await gateway.CompleteAsync(llmRequest, ct);
        }
        catch (LlmCallException e)
        {
            var why = e.Message.StartsWith("malformed", StringComparison.Ordinal) ? "judge answer unreadable: " : "judge call failed: ";
            return new JudgeOutcome(Unverifiable(request, why + e.Message), prompt, null, e.Attempts);
        }
        catch (PrivacyGateException e)
        {
            return new JudgeOutcome(Unverifiable(request, "judge not asked: " + e.Message), prompt, null, 0);
        }

        var result = Parse(call.Completion.Content, out var verdict, out var reason)
            ? new VerificationResult(verdict, request.Extracted, Rule, reason)
            : Unverifiable(request, "judge answer unreadable: " + reason);
        return new JudgeOutcome(result, prompt, call, 0);
    }

    /// <summary>The chat request for a judgement; its hash is the key under which the judgement is stored.</summary>
    public LlmRequest BuildRequest(JudgeRequest request, PromptVersion prompt)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(prompt);
        var messages = prompts.Render(prompt, Model(request.Input, request.Extracted));
        return new LlmRequest(request.Judge, messages, SampleIndex: 0, SamplingSalt: "", Purpose, request.Provenance,
            JsonSchema: Schema, Temperature: 0);
    }

    /// <summary>The <c>answer-judge</c> model of one response: what the judge is sent and the prompts page previews.</summary>
    /// <param name="extracted">The final answer the rules extracted, if any.</param>
    public static Dictionary<string, object?> Model(VerificationInput input, string? extracted)
    {
        ArgumentNullException.ThrowIfNull(input);
        var question = input.Question ?? string.Empty;
        if (input.Options is { Count: > 0 } options)
        {
            question += "\n" + string.Join('\n', options.Select((o, i) => $"{(char)('A' + i)}. {o}"));
        }
        return new Dictionary<string, object?>
        {
            ["question"] = question.Length == 0 ? "(not given)" : question,
            ["reference"] = input.Reference,
            ["extracted"] = string.IsNullOrWhiteSpace(extracted) ? "(none stated)" : extracted,
            ["response"] = AnswerRegion(input.Response ?? string.Empty),
            ["language"] = HasCjk(question + input.Reference) ? "zh" : "en",
        };
    }

    /// <summary>Reads <c>{"verdict":"correct|incorrect","reason":"…"}</c>; anything else is unreadable, with why in <paramref name="reason"/>.</summary>
    public static bool Parse(string content, out Verdict verdict, out string reason)
    {
        verdict = Verdict.Unverifiable;
        try
        {
            using var doc = JsonDocument.Parse(content);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                reason = $"expected a JSON object, got {Shorten(content)}";
                return false;
            }
            if (!root.TryGetProperty("verdict", out var v) || v.ValueKind != JsonValueKind.String)
            {
                reason = $"no \"verdict\" string in {Shorten(content)}";
                return false;
            }
            var word = v.GetString()!.Trim().ToLowerInvariant();
            if (word is not ("correct" or "incorrect"))
            {
                reason = $"verdict \"{Shorten(v.GetString()!)}\" is neither correct nor incorrect";
                return false;
            }
            if (!root.TryGetProperty("reason", out var r) || r.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(r.GetString()))
            {
                reason = $"no \"reason\" string in {Shorten(content)}";
                return false;
            }
            verdict = word == "correct" ? Verdict.Correct : Verdict.Incorrect;
            reason = r.GetString()!.Trim();
            return true;
        }
        catch (JsonException e)
        {
            reason = $"not JSON ({e.Message.Split(". ", 2)[0]}): {Shorten(content)}";
            return false;
        }
    }

    private static VerificationResult Unverifiable(JudgeRequest request, string reason) =>
        new(Verdict.Unverifiable, request.Extracted, Rule, reason);

    /// <summary>The answer part of a response (after any think block), shortened from the front to fit.</summary>
    private static string AnswerRegion(string response)
    {
        var region = FinalAnswerExtractor.SelectRegion(response).Trim();
        return region.Length <= MaxResponseChars ? region.ToString() : "…" + region[^MaxResponseChars..].ToString();
    }

    private static bool HasCjk(string text)
    {
        foreach (var c in text)
        {
            if (c is >= '\u4e00' and <= '\u9fff')
            {
                return true;
            }
        }
        return false;
    }

    private static string Shorten(string s)
    {
        s = s.Trim();
        return s.Length <= 80 ? s : string.Concat(s.AsSpan(0, 77), "...");
    }
}
