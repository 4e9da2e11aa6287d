using System.Runtime.CompilerServices;

// The command classes are internal; the test project runs them in-process.
[assembly: InternalsVisibleTo("DeepFinance.Core.Tests")]
