using System.Text;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Privacy.Desensitization;

/// <summary>One piece of personal data found in a text: offsets are UTF-16 positions in the original text.</summary>
public sealed record DesensitizedEntity(string Type, int Start, int End, double Confidence, string Recognizer, SensitivityLevel Level, string Replacement);

/// <summary>The desensitized text and what was replaced in it.</summary>
public sealed record DesensitizationResult(string Text, IReadOnlyList<DesensitizedEntity> Entities)
{
    /// <summary>The highest level among the entities, or null when nothing was found.</summary>
    public SensitivityLevel? HighestLevel => Entities.Count == 0 ? null : Entities.Max(e => e.Level);
}

/// <summary>
/// Desensitization before anything else touches a query: every recognizer runs over the NFKC-normalized
/// text, overlapping findings merge into one span (so no part of a found value survives), and each span is
/// replaced per its type's mode. Deterministic: the same text and options give the same result.
/// </summary>
public sealed class Desensitizer
{
    private readonly DesensitizationOptions _options;
    private readonly IReadOnlyList<IEntityRecognizer> _recognizers;

    public Desensitizer(IOptions<DesensitizationOptions> options)
        : this(options?.Value ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    public Desensitizer(DesensitizationOptions options, IReadOnlyList<IEntityRecognizer>? recognizers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _recognizers = recognizers ?? DefaultRecognizers;
    }

    /// <summary>The built-in recognizers.</summary>
    public static IReadOnlyList<IEntityRecognizer> DefaultRecognizers { get; } =
    [
        new ResidentIdRecognizer(),
        new MobilePhoneRecognizer(),
        new LandlineRecognizer(),
        new BankCardRecognizer(),
        new UsccRecognizer(),
        new PassportRecognizer(),
        new EmailRecognizer(),
        new IpAddressRecognizer(),
        new LicensePlateRecognizer(),
        new AccountNumberRecognizer(),
        new LongNumberRecognizer(),
        new CredentialRecognizer(),
        new BirthDateRecognizer(),
        new IbanRecognizer(),
        new PersonNameRecognizer(),
        new AddressRecognizer(),
    ];

    public DesensitizationOptions Options => _options;

    /// <summary>Finds the personal data in <paramref name="text"/> and replaces it.</summary>
    public DesensitizationResult Desensitize(string text) => Desensitize(text, _options);

    /// <summary>As <see cref="Desensitize(string)"/>, with other replacement settings (the CLI's <c>--mode</c>).</summary>
    public DesensitizationResult Desensitize(string text, DesensitizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(options);
        return Apply(text, Find(text, options.MinimumConfidence), options);
    }

    /// <summary>
    /// Replaces exactly <paramref name="spans"/> (original offsets, in text order, not overlapping) per their types' modes:
    /// an expert's corrected list of what is personal data in a query.
    /// </summary>
    public DesensitizationResult Apply(string text, IReadOnlyList<EntityCandidate> spans) => Apply(text, spans, _options);

    private static DesensitizationResult Apply(string text, IReadOnlyList<EntityCandidate> spans, DesensitizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(spans);
        var chinese = options.Language switch
        {
            PlaceholderLanguage.Chinese => true,
            PlaceholderLanguage.English => false,
            _ => text.Any(Context.IsHan),
        };
        var surrogates = new Surrogates(options, chinese);
        var output = new StringBuilder(text.Length);
        var entities = new List<DesensitizedEntity>(spans.Count);
        var at = 0;
        foreach (var span in spans)
        {
            output.Append(text, at, span.Start - at);
            var replacement = surrogates.For(span.Type, text[span.Start..span.End]);
            output.Append(replacement);
            entities.Add(new DesensitizedEntity(span.Type, span.Start, span.End, span.Confidence, span.Recognizer, EntityTypes.LevelOf(span.Type), replacement));
            at = span.End;
        }

        output.Append(text, at, text.Length - at);
        return new DesensitizationResult(output.ToString(), entities);
    }

    /// <summary>The merged, non-overlapping spans in original offsets, in text order.</summary>
    public IReadOnlyList<EntityCandidate> Find(string text, double minimumConfidence)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = NormalizedText.Of(text);
        var found = new List<EntityCandidate>();
        foreach (var recognizer in _recognizers)
        {
            foreach (var c in recognizer.Recognize(normalized.Text))
            {
                if (c.Confidence < minimumConfidence || c.End <= c.Start)
                {
                    continue;
                }

                var (start, end) = normalized.ToOriginal(c.Start, c.End);
                found.Add(c with { Start = start, End = end });
            }
        }

        // Overlapping findings become one span, typed by the strongest (then longest) finding in it.
        found.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.End.CompareTo(a.End));
        var merged = new List<EntityCandidate>();
        foreach (var c in found)
        {
            if (merged.Count > 0 && c.Start < merged[^1].End)
            {
                var last = merged[^1];
                var strongest = Stronger(last, c);
                merged[^1] = strongest with { Start = last.Start, End = Math.Max(last.End, c.End) };
            }
            else
            {
                merged.Add(c);
            }
        }

        return merged;
    }

    private static EntityCandidate Stronger(EntityCandidate a, EntityCandidate b) =>
        b.Confidence > a.Confidence || (b.Confidence == a.Confidence && b.End - b.Start > a.End - a.Start) ? b : a;
}
