using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using DeepFinance.Core.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Web.Security;

/// <summary>How the key ring in the data directory is itself protected (section <c>DeepFinance:DataProtection</c>).</summary>
public enum KeyRingProtectionMode
{
    /// <summary>Plain XML beside the databases: whoever can read the data directory can decrypt every stored key.</summary>
    None,
    MasterKey,
    Certificate,
}

/// <summary>
/// Encrypts the Data Protection key ring with a master key or an X.509 certificate from configuration, so a copy of
/// the data directory alone no longer decrypts the synthesizer keys stored in it. Keys written before protection was
/// configured stay readable (Data Protection hands plain elements through untouched); new keys are written encrypted.
/// Compiled into the CLI too, so both read the ring the same way.
/// </summary>
public static class KeyRingProtection
{
    public const string Section = "DeepFinance:DataProtection";
    public const string MasterKeySetting = Section + ":MasterKey";
    public const string CertificatePathSetting = Section + ":CertificatePath";
    public const string CertificatePasswordSetting = Section + ":CertificatePassword";

    public const string UnprotectedWarning =
        "The Data Protection key ring in {KeyRing} is not encrypted: anyone who can read the data directory can decrypt the stored synthesizer keys. "
        + "Set DeepFinance__DataProtection__MasterKey (32 random bytes in base64, e.g. `openssl rand -base64 32`) from a secret store or the environment, "
        + "or DeepFinance__DataProtection__CertificatePath (+ CertificatePassword) to a PFX kept outside the data directory.";

    public static KeyRingProtectionMode ModeOf(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[MasterKeySetting]) ? KeyRingProtectionMode.MasterKey
        : !string.IsNullOrWhiteSpace(configuration[CertificatePathSetting]) ? KeyRingProtectionMode.Certificate
        : KeyRingProtectionMode.None;

    /// <summary>Stores keys owner-only in <paramref name="keyDirectory"/> and encrypts them as configured. Bad settings stop the start with the key named.</summary>
    public static IDataProtectionBuilder Configure(IDataProtectionBuilder builder, string keyDirectory, IConfiguration configuration)
    {
        var repository = new OwnerOnlyXmlRepository(keyDirectory);
        builder.Services.Configure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(o => o.XmlRepository = repository);
        var masterKey = configuration[MasterKeySetting];
        var certificatePath = configuration[CertificatePathSetting];
        if (!string.IsNullOrWhiteSpace(masterKey) && !string.IsNullOrWhiteSpace(certificatePath))
        {
            throw new InvalidOperationException($"Set either {MasterKeySetting} or {CertificatePathSetting}, not both.");
        }
        if (!string.IsNullOrWhiteSpace(masterKey))
        {
            var key = new MasterKey(ParseMasterKey(masterKey));
            builder.Services.AddSingleton(key);
            builder.Services.Configure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(o => o.XmlEncryptor = new MasterKeyXmlEncryptor(key));
        }
        else if (!string.IsNullOrWhiteSpace(certificatePath))
        {
            if (!File.Exists(certificatePath))
            {
                throw new InvalidOperationException($"{CertificatePathSetting}: no certificate file at '{certificatePath}'.");
            }
            X509Certificate2 certificate;
            try
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, configuration[CertificatePasswordSetting], X509KeyStorageFlags.EphemeralKeySet);
            }
            catch (CryptographicException e)
            {
                throw new InvalidOperationException($"{CertificatePathSetting}: '{certificatePath}' could not be read as a PFX with {CertificatePasswordSetting}: {e.Message}", e);
            }
            if (!certificate.HasPrivateKey)
            {
                throw new InvalidOperationException($"{CertificatePathSetting}: '{certificatePath}' holds no private key, so the key ring could not be decrypted.");
            }
            builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        else
        {
            // One warning of ours (logged at start-up) says how to fix it; Data Protection's own per-key warning would repeat it.
            builder.Services.Configure<LoggerFilterOptions>(o =>
                o.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error));
        }
        return builder;
    }

    public static byte[] ParseMasterKey(string text)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{MasterKeySetting} is not base64; use 32 random bytes in base64 (e.g. `openssl rand -base64 32`).");
        }
        return key.Length == 32
            ? key
            : throw new InvalidOperationException($"{MasterKeySetting} holds {key.Length} bytes; it must be exactly 32 (256 bits) in base64.");
    }
}

/// <summary>The configured master key and a short, non-secret id that names it in the encrypted elements.</summary>
public sealed class MasterKey(byte[] key)
{
    internal byte[] Key { get; } = key;

    public string Id { get; } = Convert.ToHexStringLower(SHA256.HashData(key))[..16];
}

/// <summary>AES-256-GCM over the serialized key element; nonce, tag and ciphertext travel in one base64 value.</summary>
public sealed class MasterKeyXmlEncryptor(MasterKey key) : IXmlEncryptor
{
    internal const string ElementName = "encryptedWithMasterKey";
    internal static readonly byte[] AssociatedData = Encoding.UTF8.GetBytes("DeepFinance key ring v1");

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        var ciphertext = new byte[plaintext.Length];
        using (var aes = new AesGcm(key.Key, tag.Length))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData);
        }
        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement(ElementName,
            new XAttribute("version", "1"),
            new XAttribute("masterKeyId", key.Id),
            new XComment(" AES-256-GCM with DeepFinance:DataProtection:MasterKey "),
            new XElement("value", Convert.ToBase64String([.. nonce, .. tag, .. ciphertext])));
        return new EncryptedXmlInfo(element, typeof(MasterKeyXmlDecryptor));
    }
}

/// <summary>Created by Data Protection (through its service provider) for each element the encryptor wrote.</summary>
public sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var keyId = (string?)encryptedElement.Attribute("masterKeyId") ?? "?";
        var key = services.GetService<MasterKey>()
            ?? throw new CryptographicException(
                $"A key in the key ring is encrypted with a master key (id {keyId}), but {KeyRingProtection.MasterKeySetting} is not set in this process.");
        if (key.Id != keyId)
        {
            throw new CryptographicException(
                $"A key in the key ring is encrypted with master key id {keyId}; the configured {KeyRingProtection.MasterKeySetting} has id {key.Id}.");
        }
        var blob = Convert.FromBase64String((string?)encryptedElement.Element("value") ?? "");
        var nonceSize = AesGcm.NonceByteSizes.MaxSize;
        var tagSize = AesGcm.TagByteSizes.MaxSize;
        if (blob.Length < nonceSize + tagSize)
        {
            throw new CryptographicException("An encrypted key ring element is truncated.");
        }
        var plaintext = new byte[blob.Length - nonceSize - tagSize];
        using (var aes = new AesGcm(key.Key, tagSize))
        {
            aes.Decrypt(blob.AsSpan(0, nonceSize), blob.AsSpan(nonceSize + tagSize), blob.AsSpan(nonceSize, tagSize), plaintext, MasterKeyXmlEncryptor.AssociatedData);
        }
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}

/// <summary>The key ring as one XML file per key, like Data Protection's file repository, but each file created owner-only.</summary>
public sealed class OwnerOnlyXmlRepository(string directory) : IXmlRepository
{
    public string Directory { get; } = directory;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }
        return System.IO.Directory.EnumerateFiles(Directory, "*.xml").Order(StringComparer.Ordinal).Select(f => XElement.Load(f)).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        DataDirectoryFiles.CreateDirectory(Directory);
        var name = !string.IsNullOrEmpty(friendlyName) && friendlyName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? friendlyName
            : Guid.NewGuid().ToString();
        var temp = Path.Combine(Directory, Guid.NewGuid().ToString("N") + ".tmp");
        using (var stream = DataDirectoryFiles.Open(temp, FileMode.CreateNew))
        {
            element.Save(stream);
        }
        // Written aside, then moved in: a reader never sees half a key.
        File.Move(temp, Path.Combine(Directory, name + ".xml"), overwrite: false);
    }
}
