using ClusterBroker.Host.Security;
using ClusterBroker.Transport;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// A CONNECT refused over TLS is answered: the CONNACK's ciphertext reaches the client before the socket closes
/// (it used to be lost about one time in three, the close overtaking the write still queued on the event loop).
/// </summary>
public sealed class Tls_Refusal_Tests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Theory]
    [InlineData(ClientCertificateMode.None)]
    [InlineData(ClientCertificateMode.Request)]
    public async Task Every_refused_TLS_client_reads_its_CONNACK(ClientCertificateMode mode)
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("alice", "pw");
        var server = _pki.IssueServer();
        await using var broker = await TestBroker.StartAsync(
            configureTransport: t => t.Tls = new TlsListenerOptions { Port = 0, CertificatePath = server.CertificatePath, KeyPath = server.KeyPath, ClientCertificate = mode, ClientCaPath = _pki.CaPath },
            security: new SecurityOptions { PasswordFile = files.PasswordFile, AllowAnonymous = false, FailureDelay = TimeSpan.Zero, MaxFailedAttempts = 1000 });
        string port = broker.Host.EndPoints.Single(e => e.Port != broker.Port).Port.ToString();

        for (int i = 0; i < 20; i++)
        {
            await using var publisher = ExternalProcess.Start("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "--cafile", _pki.CaPath, "-t", "t", "-m", "x");
            Assert.NotEqual(0, await publisher.WaitForExitAsync());
            Assert.True(publisher.Errors.Snapshot().Any(line => line.Contains("not authorised", StringComparison.Ordinal)),
                $"attempt {i}: mosquitto_pub should report the CONNACK's refusal; {publisher.Describe()}");
        }
    }
}
