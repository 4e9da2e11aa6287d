using System.Runtime.CompilerServices;
using Bunit;

namespace DeepFinance.Web.Tests.TestSupport;

/// <summary>
/// bUnit's waits give up after one second by default. On a loaded two-core CI machine the renderer's dispatcher
/// can stay busy longer than that before it even checks, and a correct screen then fails. A wait that succeeds
/// returns as soon as it succeeds, so a long ceiling costs nothing when the screen is right.
/// </summary>
internal static class BunitWaits
{
    [ModuleInitializer]
    internal static void Lengthen() => BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(30);
}
