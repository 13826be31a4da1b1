using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AlexNet.Actors.Hosting;

namespace AlexNet.Cluster.Channel;

/// <summary>
/// TLS on the data channel, with the certificate Akka.Remote uses (alexnet.cluster.tls): with TLS on, tensors,
/// images and the hello's token no longer cross the network in clear, and both ends must present a certificate.
/// As in Akka.Remote, the connecting end expects the name in its own certificate (every node has the cluster's
/// certificate) and validates the chain unless suppress-validation is on; the accepting end asks the connecting
/// one for its certificate and validates its chain likewise.
/// </summary>
public sealed class ChannelTls
{
    private readonly string _targetHost;

    public X509Certificate2 Certificate { get; }
    public bool SuppressValidation { get; }

    public ChannelTls(X509Certificate2 certificate, bool suppressValidation)
    {
        if (!certificate.HasPrivateKey) throw new ArgumentException("the certificate has no private key");
        (Certificate, SuppressValidation) = (certificate, suppressValidation);
        _targetHost = certificate.GetNameInfo(X509NameType.DnsName, false);
    }

    /// <summary>Loads a PKCS#12 file; a file that cannot be read names the key it came from.</summary>
    public static ChannelTls Load(string path, string password, bool suppressValidation, string key)
    {
        X509Certificate2 certificate;
        try { certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet); }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationFileException($"{key} = {path}: cannot read it as a PKCS#12 (.pfx) certificate with its password: {e.Message}");
        }
        if (!certificate.HasPrivateKey) throw new ConfigurationFileException($"{key} = {path}: the certificate has no private key");
        return new ChannelTls(certificate, suppressValidation);
    }

    /// <summary>The connecting end's handshake: the returned stream encrypts; throws <see cref="AuthenticationException"/> when refused.</summary>
    public async Task<Stream> ConnectAsync(Stream net, CancellationToken cancel)
    {
        var ssl = new SslStream(net, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = _targetHost,
                ClientCertificates = new X509CertificateCollection { Certificate },
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Valid(certificate, errors),
            }, cancel);
            return ssl;
        }
        catch { ssl.Dispose(); throw; }
    }

    /// <summary>The accepting end's handshake (blocking: the listener's reader thread, bounded by the stream's read timeout).</summary>
    public Stream Accept(Stream net)
    {
        var ssl = new SslStream(net, leaveInnerStreamOpen: false);
        try
        {
            ssl.AuthenticateAsServer(new SslServerAuthenticationOptions
            {
                ServerCertificate = Certificate,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Valid(certificate, errors),
            });
            return ssl;
        }
        catch { ssl.Dispose(); throw; }
    }

    private bool Valid(X509Certificate? certificate, SslPolicyErrors errors) =>
        certificate is not null && (SuppressValidation || errors == SslPolicyErrors.None);
}
