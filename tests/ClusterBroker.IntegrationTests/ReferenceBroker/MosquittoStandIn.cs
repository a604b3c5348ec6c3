// Compiled only with -p:BrokerUnderTest=mosquitto: a stand-in for ClusterBroker.Host that runs the same
// tests against mosquitto (a reference implementation), to tell a wrong test from a broker bug.
// Only the options the tests use are mapped, and mosquitto has no equivalent for some of them.
#pragma warning disable
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core
{
    public sealed class BrokerOptions
    {
        public int MaxConnections { get; set; } = 100000;
        public uint MaximumPacketSize { get; set; } = 1048576;
        public QueueDropPolicy QueueDropPolicy { get; set; }
        public ushort MaxInflightMessages { get; set; } = 128;
        public ushort ReceiveMaximum { get; set; } = 100;
        public int MaxQueuedMessagesPerSession { get; set; } = 1000;
        public int MaxTopicLength { get; set; } = 65535;
        public int MaxTopicLevels { get; set; } = 200;
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
        public uint MaximumSessionExpiryInterval { get; set; } = 86400;
        public int MaxSubscriptionsPerClient { get; set; } = 1000;
        public ushort? ServerKeepAlive { get; set; }
        public ushort? MaxKeepAlive { get; set; }
        public ushort? MinKeepAlive { get; set; }
        public bool QueueQoS0Messages { get; set; }
        public bool RefuseControlCharacters { get; set; }
        public string? ResponseInformation { get; set; }
        public ushort OutgoingTopicAliasMaximum { get; set; } = 64;
        public ushort TopicAliasMaximum { get; set; } = 10;
        public TimeSpan SysInterval { get; set; } = TimeSpan.FromSeconds(10);
    }
    public sealed class BrokerNode { }
    public enum QueueDropPolicy { DropOldest, DropNewest }
}
namespace ClusterBroker.Transport
{
    public sealed class TransportOptions { public string BindAddress { get; set; } = "0.0.0.0"; public int MaximumPacketSize { get; set; } = 1048576; public int Port { get; set; } = 1883; public WebSocketListenerOptions? WebSocket { get; set; } public TlsListenerOptions? Tls { get; set; } }
    public sealed class TlsListenerOptions { public int Port { get; set; } public string CertificatePath { get; set; } = ""; public string? CertificatePassword { get; set; } }
    public sealed class WebSocketListenerOptions { public int Port { get; set; } public string Path { get; set; } = "/mqtt"; }
}
namespace ClusterBroker.Host.Security
{
    public sealed class SecurityOptions
    {
        public bool? AllowAnonymous { get; set; }
        public string? PasswordFile { get; set; }
        public string? AclFile { get; set; }
        public int MaxFailedAttempts { get; set; } = 5;
        public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);
        public TimeSpan BanDuration { get; set; } = TimeSpan.FromMinutes(5);
        public TimeSpan FailureDelay { get; set; } = TimeSpan.FromSeconds(1);
        public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(2); // mosquitto reloads on SIGHUP only
    }
}
namespace ClusterBroker.Host
{
    using ClusterBroker.Core;
    using ClusterBroker.Transport;
    public sealed class BrokerHostSettings { public TransportOptions Transport { get; init; } = new(); public BrokerOptions Broker { get; init; } = new(); public Security.SecurityOptions Security { get; init; } = new(); }
    public sealed class BrokerHost : IAsyncDisposable
    {
        private Process _p = null!;
        private string _dir = "";
        public int Port { get; private set; }
        public IReadOnlyList<IPEndPoint> EndPoints => [new IPEndPoint(IPAddress.Loopback, Port)];
        public BrokerNode Node { get; } = new();
        public static async Task<BrokerHost> StartAsync(BrokerHostSettings settings, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
        {
            var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); var port = ((IPEndPoint)l.LocalEndpoint).Port; l.Stop();
            var b = settings.Broker;
            var s = settings.Security;
            var dir = Directory.CreateTempSubdirectory("mosq").FullName;
            var conf = $"""
                user root
                listener {port} 127.0.0.1
                allow_anonymous {((s.AllowAnonymous ?? s.PasswordFile is null) ? "true" : "false")}
                {(s.PasswordFile is null ? "" : $"password_file {s.PasswordFile}")}
                {(s.AclFile is null ? "" : $"acl_file {s.AclFile}")}
                persistence false
                log_dest stdout
                max_connections {b.MaxConnections}
                max_queued_messages {b.MaxQueuedMessagesPerSession}
                max_inflight_messages {b.ReceiveMaximum}
                max_topic_alias {b.TopicAliasMaximum}
                sys_interval {(int)b.SysInterval.TotalSeconds}
                {$"max_packet_size {b.MaximumPacketSize}"}
                {((b.ServerKeepAlive ?? b.MaxKeepAlive) is { } k ? $"max_keepalive {k}" : "")}
                {(b.QueueQoS0Messages ? "queue_qos0_messages true" : "")}
                """;
            File.WriteAllText(Path.Combine(dir, "m.conf"), conf);
            var psi = new ProcessStartInfo("mosquitto", $"-c {dir}/m.conf") { RedirectStandardOutput = true, RedirectStandardError = true };
            var p = Process.Start(psi)!;
            p.OutputDataReceived += (_, _) => { }; p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine(); p.BeginErrorReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (true)
            {
                try { using var c = new TcpClient(); await c.ConnectAsync(IPAddress.Loopback, port); break; }
                catch when (DateTime.UtcNow < deadline) { await Task.Delay(20); }
            }
            return new BrokerHost { _p = p, Port = port, _dir = dir };
        }
        public Task StopAsync() { try { if (!_p.HasExited) { _p.Kill(); _p.WaitForExit(3000); } } catch { } return Task.CompletedTask; }
        public async ValueTask DisposeAsync() => await StopAsync();
    }
}
