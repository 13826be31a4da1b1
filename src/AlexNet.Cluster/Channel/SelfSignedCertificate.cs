using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AlexNet.Cluster.Channel;

/// <summary>
/// A self-signed certificate with its key, as `openssl req -x509` or `dotnet dev-certs` would make one, for a
/// cluster's TLS where no CA is at hand (then with suppress-validation on): the wire benchmark's TLS route and the tests.
/// </summary>
public static class SelfSignedCertificate
{
    public const string DefaultName = "alexnet-cluster.test";

    public static X509Certificate2 Create(string dnsName = DefaultName)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2") }, false)); // server and client authentication
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // Through PKCS#12: SslStream wants a certificate whose key it can use as a server's.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.EphemeralKeySet);
    }

    /// <summary>Writes a new self-signed certificate with its key to <paramref name="path"/> (.pfx) under <paramref name="password"/>.</summary>
    public static void WritePfx(string path, string password)
    {
        using var certificate = Create();
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
    }
}
