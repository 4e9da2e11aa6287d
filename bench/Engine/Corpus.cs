using System.Globalization;
using System.Text.Json;

namespace DeepFinance.Bench.Engine;

/// <summary>
/// A generated seed corpus: N distinct questions, each a numbered copy of one of a few hundred base
/// questions whose reference answers the simulator's oracle file holds. The oracle is matched by
/// substring, so the numbered copy still finds its base entry, while every copy makes a distinct
/// request (distinct hash, a real HTTP call). Few oracle entries keep the simulator's linear lookup cheap,
/// so the simulator's own cost stays the same in the pipeline and in the bare loop.
/// </summary>
internal sealed class Corpus
{
    public const int BaseCount = 400;

    private readonly List<(string Question, string Answer)> _bases = [];

    public Corpus()
    {
        // Deterministic: simple-interest questions with integral answers, all distinct.
        for (var i = 0; i < BaseCount; i++)
        {
            var principal = 1000 * (10 + i);
            var rate = 1 + (i % 9);
            var years = 1 + (i % 7);
            var interest = principal * rate * years / 100;
            _bases.Add((
                $"A deposit of {principal.ToString(CultureInfo.InvariantCulture)} yuan earns {rate}% simple interest per year. " +
                $"How much interest, in yuan, does it earn in {years} years?",
                interest.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>Question number <paramref name="index"/> of the corpus.</summary>
    public (string Question, string Answer) Item(int index)
    {
        var (question, answer) = _bases[index % BaseCount];
        return ($"Case {index.ToString(CultureInfo.InvariantCulture)}. {question}", answer);
    }

    public async Task WriteOracleAsync(string path)
    {
        await using var writer = new StreamWriter(path);
        foreach (var (question, answer) in _bases)
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(new { question, answer }));
        }
    }

    /// <summary>The seed file in the importer's JSONL shape.</summary>
    public async Task WriteSeedsAsync(string path, int count, int offset)
    {
        await using var writer = new StreamWriter(path);
        for (var i = offset; i < offset + count; i++)
        {
            var (question, answer) = Item(i);
            await writer.WriteLineAsync(JsonSerializer.Serialize(new { id = "q" + i.ToString(CultureInfo.InvariantCulture), question, answer, task_type = "Math" }));
        }
    }
}
