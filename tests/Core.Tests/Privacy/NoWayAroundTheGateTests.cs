using System.Reflection;
using System.Reflection.Emit;
using DeepFinance.Core.Llm;

namespace DeepFinance.Core.Tests.Privacy;

/// <summary>
/// The gate holds only if <see cref="ChatEndpointClient"/> is the one way out. This reads the IL of every
/// method in Core and the CLI and refuses any that builds or calls an OpenAI client, an HTTP client, or a
/// <see cref="ChatEndpointClient"/> of its own (the container builds the one shared instance).
/// </summary>
public sealed class NoWayAroundTheGateTests
{
    private static readonly Assembly[] Ours = [typeof(ChatEndpointClient).Assembly, typeof(DeepFinance.Cli.Commands.VerifyCommand).Assembly];

    [Fact]
    public void Only_the_gated_client_touches_an_OpenAI_or_HTTP_client()
    {
        var offenders = Ours.SelectMany(Uses).Where(u => !Within(u.Caller.DeclaringType, typeof(ChatEndpointClient)))
            .Select(u => $"{u.Caller.DeclaringType?.FullName}.{u.Caller.Name} uses {u.Callee.DeclaringType?.FullName}.{u.Callee.Name}")
            .Distinct().ToList();

        Assert.True(offenders.Count == 0, "Calls around the privacy gate:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_scan_sees_the_client_that_the_gate_guards()
    {
        // Without this, a scanner that found nothing at all would pass the test above.
        var inside = Uses(typeof(ChatEndpointClient).Assembly).Where(u => Within(u.Caller.DeclaringType, typeof(ChatEndpointClient))).ToList();
        Assert.Contains(inside, u => u.Callee is ConstructorInfo && u.Callee.DeclaringType == typeof(OpenAI.OpenAIClient));
        Assert.Contains(inside, u => u.Callee.Name == nameof(OpenAI.Chat.ChatClient.CompleteChatAsync));
    }

    private static bool Forbidden(MethodBase callee)
    {
        var type = callee.DeclaringType;
        if (type is null)
        {
            return false;
        }
        return type.Namespace?.StartsWith("OpenAI", StringComparison.Ordinal) == true
            || typeof(HttpMessageInvoker).IsAssignableFrom(type)
            || typeof(HttpMessageHandler).IsAssignableFrom(type)
            || (callee is ConstructorInfo && type == typeof(ChatEndpointClient));
    }

    private static bool Within(Type? type, Type outer)
    {
        for (; type is not null; type = type.DeclaringType)
        {
            if (type == outer)
            {
                return true;
            }
        }
        return false;
    }

    private static IEnumerable<(MethodBase Caller, MethodBase Callee)> Uses(Assembly assembly)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                foreach (var callee in Callees(method))
                {
                    if (Forbidden(callee))
                    {
                        yield return (method, callee);
                    }
                }
            }
        }
    }

    /// <summary>Every method a body calls, constructs, or takes a pointer to, read from its IL.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }
        var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            OpCode op;
            if (il[at] == 0xFE)
            {
                op = TwoByte[il[at + 1]];
                at += 2;
            }
            else
            {
                op = OneByte[il[at]];
                at += 1;
            }
            if (op.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, at), typeArgs, methodArgs);
                }
                catch (ArgumentException)
                {
                }
                if (callee is not null)
                {
                    yield return callee;
                }
            }
            at += OperandSize(op, il, at);
        }
    }

    private static int OperandSize(OpCode op, byte[] il, int at) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };

    private static readonly OpCode[] OneByte = new OpCode[256];
    private static readonly OpCode[] TwoByte = new OpCode[256];

    static NoWayAroundTheGateTests()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            var value = (ushort)op.Value;
            if (op.Size == 1)
            {
                OneByte[value] = op;
            }
            else
            {
                TwoByte[value & 0xFF] = op;
            }
        }
    }
}
