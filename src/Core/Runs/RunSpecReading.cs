using System.Text.Json;
using DeepFinance.Core.Prompts;

namespace DeepFinance.Core.Runs;

/// <summary>How every kind's handler reads what a launcher sent: a wrong field or prompt version is a validation error naming it.</summary>
public static class RunSpecReading
{
    /// <summary>Reads the spec as <typeparamref name="T"/> (absent or null is the defaults), naming the field that does not fit.</summary>
    public static T Read<T>(JsonElement spec) where T : new()
    {
        if (spec.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return new T();
        }
        try
        {
            return spec.Deserialize<T>(RunJson.Options) ?? new T();
        }
        catch (JsonException e)
        {
            throw new RunValidationException(string.IsNullOrEmpty(e.Path) ? "spec" : "spec" + e.Path.TrimStart('$'),
                $"The spec does not fit this kind: {e.Message.Split(" Path:")[0]}");
        }
    }

    /// <summary>The prompt a spec asks for (latest when <paramref name="version"/> is null); an unknown version names <paramref name="field"/>.</summary>
    public static async Task<PromptVersion> GetForSpecAsync(this PromptLibrary prompts, string name, int? version, string field, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        try
        {
            return await prompts.GetAsync(name, version, ct);
        }
        catch (KeyNotFoundException e)
        {
            throw new RunValidationException(field, e.Message);
        }
    }
}
