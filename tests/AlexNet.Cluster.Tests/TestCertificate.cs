using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AlexNet.Cluster.Tests;

/// <summary>A self-signed certificate for the cluster's TLS, as `openssl req -x509` or `dotnet dev-certs` would make one.</summary>
internal static class TestCertificate
{
    public const string Name = "alexnet-cluster.test";

    public static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={Name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(Name);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2") }, false)); // server and client authentication
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.EphemeralKeySet);
    }

    /// <summary>Writes a new self-signed certificate with its key to <paramref name="path"/> (.pfx) under <paramref name="password"/>.</summary>
    public static void WritePfx(string path, string password)
    {
        using var certificate = SelfSigned();
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
    }
}
