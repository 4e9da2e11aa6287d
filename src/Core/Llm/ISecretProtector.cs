namespace DeepFinance.Core.Llm;

/// <summary>
/// Encrypts secrets (synthesizer API keys) for storage. The web app and the CLI implement it with
/// ASP.NET Data Protection over the key ring in the data directory, so every process on that
/// directory can decrypt what another stored.
/// </summary>
public interface ISecretProtector
{
    string Protect(string plaintext);

    /// <summary>Throws <see cref="System.Security.Cryptography.CryptographicException"/> when the key ring cannot decrypt it.</summary>
    string Unprotect(string protectedText);
}
