using ClusterBroker.Core.Channel;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests.Infrastructure;

/// <summary>A broker without sockets or actors: a <see cref="BrokerContext"/>, fake clock, in-process sessions.</summary>
public sealed class TestBroker
{
    public TestBroker(Action<BrokerOptions>? configure = null, IAuthenticator? authenticator = null, IAuthorizer? authorizer = null)
    {
        Options = new BrokerOptions { SysInterval = TimeSpan.Zero };
        configure?.Invoke(Options);
        Time = new FakeTimeProvider();
        Logs = new ListLoggerProvider();
        Sessions = new InProcessSessionRegistry(Options, Time);
        Context = new BrokerContext(Options, Sessions, Logs, authenticator, timeProvider: Time, authorizer: authorizer);
        Sessions.Context = Context;
        Factory = new MqttConnectionHandlerFactory(Context);
    }

    public BrokerOptions Options { get; }
    public FakeTimeProvider Time { get; }
    public ListLoggerProvider Logs { get; }
    public InProcessSessionRegistry Sessions { get; }
    public BrokerContext Context { get; }
    public MqttConnectionHandlerFactory Factory { get; }

    /// <summary>A new socket, no CONNECT yet.</summary>
    public TestClient Open()
    {
        var connection = new FakeConnection();
        var handler = (MqttChannel)Factory.Create(connection)!;
        return new TestClient(this, connection, handler);
    }

    /// <summary>A client that sent CONNECT and got CONNACK (asserted successful).</summary>
    public TestClient Connect(string clientId, ProtocolVersion version = ProtocolVersion.V500, bool clean = true, Func<ConnectPacket, ConnectPacket>? customize = null)
    {
        TestClient client = Open();
        var connect = new ConnectPacket { ProtocolVersion = version, ClientId = clientId, CleanSession = clean, KeepAlive = 60 };
        if (customize is not null)
        {
            connect = customize(connect);
        }

        client.Send(connect);
        ConnAckPacket ack = client.Connection.Last<ConnAckPacket>();
        Assert.Equal(ReasonCode.Success, ack.ReasonCode);
        return client;
    }
}
