using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace DeepFinance.Core.Ingest.Corpora;

/// <summary>
/// Reads the dictionaries and lists that several exam sets store as text: Python's <c>repr</c> of a dict
/// (<c>{'A': 'x', 'B': "y's"}</c>) as well as JSON. Only literals are understood — strings in either quote with
/// backslash escapes, numbers, True/False/None, lists, tuples and dicts — so nothing in the text is ever run.
/// </summary>
public static class PyLiteral
{
    private const int MaxDepth = 16;

    /// <summary>The value in <paramref name="text"/>; throws <see cref="FormatException"/> naming the character where it went wrong.</summary>
    public static JsonNode? Parse(string text)
    {
        var p = new Parser(text);
        p.SkipSpace();
        var value = p.Value(0);
        p.SkipSpace();
        if (!p.AtEnd)
        {
            throw p.Error("unexpected text after the value");
        }
        return value;
    }

    private sealed class Parser(string s)
    {
        private int _i;

        public bool AtEnd => _i >= s.Length;

        public FormatException Error(string message) => new($"{message} at character {_i + 1}");

        public void SkipSpace()
        {
            while (_i < s.Length && char.IsWhiteSpace(s[_i]))
            {
                _i++;
            }
        }

        public JsonNode? Value(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error("nested too deeply");
            }
            if (AtEnd)
            {
                throw Error("the text ends where a value should be");
            }
            var ch = s[_i];
            switch (ch)
            {
                case '{':
                    return Dict(depth);
                case '[':
                    return List(']', depth);
                case '(':
                    return List(')', depth);
                case '\'' or '"':
                    return JsonValue.Create(String());
            }
            if (ch is '-' or '+' or '.' || char.IsDigit(ch))
            {
                return Number();
            }
            var start = _i;
            while (_i < s.Length && (char.IsLetterOrDigit(s[_i]) || s[_i] == '_'))
            {
                _i++;
            }
            var word = s[start.._i];
            return word switch
            {
                "True" or "true" => JsonValue.Create(true),
                "False" or "false" => JsonValue.Create(false),
                "None" or "null" => null,
                "" => throw Error($"unexpected '{ch}'"),
                _ => throw Error($"'{word}' is not a literal (only strings, numbers, True, False, None, lists and dicts are read)"),
            };
        }

        private JsonObject Dict(int depth)
        {
            _i++;
            var obj = new JsonObject();
            SkipSpace();
            while (true)
            {
                SkipSpace();
                if (Peek('}'))
                {
                    _i++;
                    return obj;
                }
                var key = Value(depth + 1) switch
                {
                    JsonValue v => v.ToString(),
                    null => "None",
                    _ => throw Error("a dict key must be a string or a number"),
                };
                SkipSpace();
                Expect(':');
                SkipSpace();
                // A repeated key keeps the last value, as Python does.
                obj[key] = Value(depth + 1);
                SkipSpace();
                if (Peek(','))
                {
                    _i++;
                    continue;
                }
                Expect('}');
                return obj;
            }
        }

        private JsonArray List(char close, int depth)
        {
            _i++;
            var list = new JsonArray();
            while (true)
            {
                SkipSpace();
                if (Peek(close))
                {
                    _i++;
                    return list;
                }
                list.Add(Value(depth + 1));
                SkipSpace();
                if (Peek(','))
                {
                    _i++;
                    continue;
                }
                Expect(close);
                return list;
            }
        }

        private string String()
        {
            var quote = s[_i++];
            var sb = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw Error($"a string opened with {quote} is never closed");
                }
                var ch = s[_i++];
                if (ch == quote)
                {
                    return sb.ToString();
                }
                if (ch != '\\')
                {
                    sb.Append(ch);
                    continue;
                }
                if (AtEnd)
                {
                    throw Error("the text ends after a backslash");
                }
                var e = s[_i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case '0': sb.Append('\0'); break;
                    case '\n': break;
                    case 'x': sb.Append((char)Hex(2)); break;
                    case 'u': sb.Append((char)Hex(4)); break;
                    case 'U': sb.Append(char.ConvertFromUtf32(Hex(8))); break;
                    // \\, \', \", \/ and any other escaped character stand for themselves.
                    default: sb.Append(e); break;
                }
            }
        }

        private int Hex(int digits)
        {
            if (_i + digits > s.Length || !int.TryParse(s.AsSpan(_i, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            {
                throw Error($"a \\ escape needs {digits} hex digits");
            }
            _i += digits;
            return code;
        }

        private JsonNode Number()
        {
            var start = _i;
            while (_i < s.Length && (char.IsDigit(s[_i]) || s[_i] is '-' or '+' or '.' or 'e' or 'E' or '_'))
            {
                _i++;
            }
            var text = s[start.._i].Replace("_", "");
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            {
                return JsonValue.Create(l);
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                return JsonValue.Create(d);
            }
            throw Error($"'{text}' is not a number");
        }

        private bool Peek(char ch) => _i < s.Length && s[_i] == ch;

        private void Expect(char ch)
        {
            if (!Peek(ch))
            {
                throw Error(AtEnd ? $"the text ends where '{ch}' should be" : $"expected '{ch}', found '{s[_i]}'");
            }
            _i++;
        }
    }
}
