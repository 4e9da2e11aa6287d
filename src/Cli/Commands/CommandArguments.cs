using System.Globalization;

namespace DeepFinance.Cli.Commands;

/// <summary>A usage error: unknown, missing or malformed command-line option (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Minimal <c>--name value</c> option parsing shared by the JSONL filter commands.
/// Flags (options without a value) are declared separately.
/// </summary>
internal sealed class CommandArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandArguments()
    {
    }

    /// <summary>Parses <paramref name="args"/>; only the listed options and flags are accepted.</summary>
    public static CommandArguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> flagOptions)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(valueOptions);
        ArgumentNullException.ThrowIfNull(flagOptions);
        var parsed = new CommandArguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string name;
            string? inline = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 2)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }
            else
            {
                name = arg;
            }

            if (flagOptions.Contains(name) && inline is null)
            {
                parsed._flags.Add(name);
                continue;
            }

            if (!valueOptions.Contains(name))
            {
                throw new UsageException($"unknown option '{arg}'");
            }

            string value;
            if (inline is not null)
            {
                value = inline;
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"option {name} needs a value");
            }

            if (!parsed._values.TryAdd(name, value))
            {
                throw new UsageException($"option {name} given twice");
            }
        }

        return parsed;
    }

    /// <summary>Whether a flag was given.</summary>
    public bool Has(string flag) => _flags.Contains(flag);

    /// <summary>The value of a required option.</summary>
    public string Required(string name) =>
        _values.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new UsageException($"missing {name}");

    /// <summary>The value of an optional option, or null.</summary>
    public string? Optional(string name) => _values.GetValueOrDefault(name);

    /// <summary>An optional number in [min, max], or <paramref name="fallback"/> when absent.</summary>
    public double OptionalDouble(string name, double fallback, double min, double max)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value) || value < min || value > max)
        {
            throw new UsageException($"{name} must be a number between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, got '{text}'");
        }

        return value;
    }
}
