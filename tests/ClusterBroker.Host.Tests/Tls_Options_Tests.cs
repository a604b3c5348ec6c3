using Microsoft.Extensions.Configuration;

namespace ClusterBroker.Host.Tests;

/// <summary>The TLS listener's switches (PEM certificate, minimum version, client certificates, PROXY) and their validation.</summary>
public sealed class Tls_Options_Tests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("cb-tls-options-");

    private static BrokerHostSettings Bind(params string[] args) =>
        HostConfiguration.Bind(new ConfigurationBuilder().AddCommandLine(args, new Dictionary<string, string>(HostConfiguration.Switches, StringComparer.OrdinalIgnoreCase)).Build());

    private string File(string name)
    {
        string path = Path.Combine(_directory.FullName, name);
        System.IO.File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void The_TLS_switches_set_the_Transport_Tls_section()
    {
        string[] args = ["--tls-port", "8883", "--tls-cert", File("server.pem"), "--tls-key", File("server.key"), "--tls-min-version", "1.3",
            "--tls-client-cert", "require", "--tls-ca", File("ca.pem"), "--tls-crl", File("crl.pem"), "--tls-cert-as-username", "cn", "--proxy-protocol", "true"];
        Assert.Empty(OptionsChecker.Default.CheckArguments(args));

        BrokerHostSettings settings = Bind(args);

        Transport.TlsListenerOptions tls = settings.Transport.Tls!;
        Assert.Equal(("1.3", Transport.ClientCertificateMode.Require, Transport.CertificateUsernameSource.Cn), (tls.MinimumProtocol, tls.ClientCertificate, tls.CertificateAsUsername));
        Assert.EndsWith("server.key", tls.KeyPath);
        Assert.EndsWith("ca.pem", tls.ClientCaPath);
        Assert.EndsWith("crl.pem", tls.CrlPath);
        Assert.True(settings.Transport.ProxyProtocol);
    }

    [Theory]
    [InlineData("--tls-client-cert require", "--tls-ca")]
    [InlineData("--tls-cert-as-username cn", "needs --tls-client-cert request or require")]
    [InlineData("--tls-min-version 1.1", "must be 1.2 or 1.3")]
    [InlineData("--tls-client-cert sometimes", "ClientCertificate")]
    [InlineData("--tls-key /nonexistent/server.key", "KeyPath (--tls-key) '/nonexistent/server.key' does not exist")]
    [InlineData("--tls-client-cert request --tls-ca /nonexistent/ca.pem", "ClientCaPath (--tls-ca) '/nonexistent/ca.pem' does not exist")]
    public void A_TLS_setting_that_cannot_work_is_refused_with_a_message_naming_it(string extra, string expected)
    {
        string[] args = ["--tls-port", "0", "--tls-cert", File("server.pem"), .. extra.Split(' ')];

        var error = Assert.Throws<ArgumentException>(() => Bind(args));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
