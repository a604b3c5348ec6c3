using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

public class Connect_Tests
{
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Every_protocol_level_is_accepted_and_chosen_once_for_the_connection(ProtocolVersion version)
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c1", version);
        Assert.Equal(version, client.Connection.Version);
        Assert.True(client.Channel.IsConnected);
        Assert.Equal(1, broker.Context.Metrics.ClientsConnected);
    }

    [Fact]
    public void A_packet_before_CONNECT_closes_the_connection_MQTT_3_1_0_1()
    {
        var broker = new TestBroker();
        TestClient client = broker.Open();
        client.Send(PingReqPacket.Instance);
        Assert.True(client.Connection.Closed);
        Assert.Empty(client.Connection.Sent);
        Assert.Single(broker.Logs.AtLeast(Microsoft.Extensions.Logging.LogLevel.Warning), e => e.Message.Contains("MQTT-3.1.0-1"));
    }

    [Fact]
    public void A_second_CONNECT_is_a_protocol_error_MQTT_3_1_0_2()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c1");
        client.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "c1" });
        Assert.True(client.Connection.Closed);
        Assert.Equal(ReasonCode.ProtocolError, client.ServerDisconnect!.ReasonCode);
    }

    [Fact]
    public void An_empty_client_id_with_clean_session_0_is_refused_in_3_1_1_MQTT_3_1_3_8()
    {
        var broker = new TestBroker();
        TestClient client = broker.Open();
        client.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V311, ClientId = "", CleanSession = false });
        Assert.Equal(ReasonCode.ClientIdentifierNotValid, client.Connection.Last<ConnAckPacket>().ReasonCode);
        Assert.True(client.Connection.Closed);
    }

    [Fact]
    public void An_empty_client_id_with_clean_session_1_gets_an_identifier_in_3_1_1()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("", ProtocolVersion.V311, clean: true);
        Assert.False(string.IsNullOrEmpty(client.Channel.ClientId));
        Assert.Null(client.Connection.Last<ConnAckPacket>().AssignedClientIdentifier);
    }

    [Fact]
    public void An_empty_client_id_in_5_0_gets_an_Assigned_Client_Identifier()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("", ProtocolVersion.V500, clean: false);
        ConnAckPacket ack = client.Connection.Last<ConnAckPacket>();
        Assert.False(string.IsNullOrEmpty(ack.AssignedClientIdentifier));
        Assert.Equal(ack.AssignedClientIdentifier, client.Channel.ClientId);
    }

    [Fact]
    public void An_empty_client_id_in_3_1_is_refused()
    {
        var broker = new TestBroker();
        TestClient client = broker.Open();
        client.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V310, ClientId = "", CleanSession = true });
        Assert.Equal(ReasonCode.ClientIdentifierNotValid, client.Connection.Last<ConnAckPacket>().ReasonCode);
    }

    [Fact]
    public void CONNACK_in_5_0_announces_the_server_capabilities_and_limits()
    {
        var broker = new TestBroker(o =>
        {
            o.MaximumQoS = QualityOfService.AtLeastOnce;
            o.RetainAvailable = false;
            o.ReceiveMaximum = 10;
            o.TopicAliasMaximum = 5;
            o.MaximumPacketSize = 4096;
            o.ServerKeepAlive = 30;
        });
        TestClient client = broker.Connect("c1");
        ConnAckPacket ack = client.Connection.Last<ConnAckPacket>();
        Assert.Equal(QualityOfService.AtLeastOnce, ack.MaximumQoS);
        Assert.False(ack.RetainAvailable);
        Assert.Equal((ushort)10, ack.ReceiveMaximum);
        Assert.Equal((ushort)5, ack.TopicAliasMaximum);
        Assert.Equal(4096u, ack.MaximumPacketSize);
        Assert.Equal((ushort)30, ack.ServerKeepAlive);
        Assert.True(ack.WildcardSubscriptionAvailable);
        Assert.True(ack.SubscriptionIdentifiersAvailable);
        Assert.True(ack.SharedSubscriptionAvailable);
    }

    [Fact]
    public void The_session_expiry_interval_is_capped_and_the_cap_announced()
    {
        var broker = new TestBroker(o => o.MaximumSessionExpiryInterval = 100);
        TestClient client = broker.Connect("c1", customize: c => c with { SessionExpiryInterval = 1000 });
        Assert.Equal(100u, client.Connection.Last<ConnAckPacket>().SessionExpiryInterval);
    }

    [Fact]
    public void Anonymous_clients_are_refused_when_anonymous_access_is_disabled()
    {
        var broker = new TestBroker(authenticator: new AnonymousAuthenticator(allowAnonymous: false));
        TestClient anonymous = broker.Open();
        anonymous.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V311, ClientId = "a", CleanSession = true });
        Assert.Equal(ReasonCode.NotAuthorized, anonymous.Connection.Last<ConnAckPacket>().ReasonCode);
        Assert.True(anonymous.Connection.Closed);

        broker.Connect("b", ProtocolVersion.V311, customize: c => c with { Username = "user" });
    }

    [Fact]
    public void A_custom_authenticator_decides_and_its_reason_code_is_sent()
    {
        var broker = new TestBroker(authenticator: new PasswordAuthenticator());
        TestClient bad = broker.Open();
        bad.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "a", Username = "u", Password = "wrong"u8.ToArray() });
        Assert.Equal(ReasonCode.BadUserNameOrPassword, bad.Connection.Last<ConnAckPacket>().ReasonCode);

        broker.Connect("b", customize: c => c with { Username = "u", Password = "secret"u8.ToArray() });
    }

    [Fact]
    public void An_asynchronous_authenticator_holds_packets_sent_behind_CONNECT_until_CONNACK()
    {
        var auth = new DeferredAuthenticator();
        var broker = new TestBroker(authenticator: auth);
        TestClient client = broker.Open();
        client.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "a" });
        client.Send(PingReqPacket.Instance);
        Assert.Empty(client.Connection.Sent);

        auth.Complete(AuthenticationResult.Success);
        // Sent is a plain list filled on the authenticator's thread: wait until the second packet itself is there, not just the count.
        SpinWait.SpinUntil(() => client.Connection.Sent.Count >= 2 && client.Connection.Sent[1] is not null, TimeSpan.FromSeconds(5));
        Assert.IsType<ConnAckPacket>(client.Connection.Sent[0]);
        Assert.IsType<PingRespPacket>(client.Connection.Sent[1]);
    }

    [Fact]
    public void Enhanced_authentication_methods_are_refused_with_0x8C()
    {
        var broker = new TestBroker();
        TestClient client = broker.Open();
        client.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "a", AuthenticationMethod = "SCRAM-SHA-1" });
        Assert.Equal(ReasonCode.BadAuthenticationMethod, client.Connection.Last<ConnAckPacket>().ReasonCode);
    }

    [Fact]
    public void More_connections_than_the_limit_get_server_busy()
    {
        var broker = new TestBroker(o => o.MaxConnections = 1);
        broker.Connect("a");
        TestClient second = broker.Open();
        second.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "b" });
        Assert.Equal(ReasonCode.ServerBusy, second.Connection.Last<ConnAckPacket>().ReasonCode);
        Assert.True(second.Connection.Closed);
    }

    [Fact]
    public void A_will_with_QoS_above_the_maximum_is_refused_with_0x9B()
    {
        var broker = new TestBroker(o => o.MaximumQoS = QualityOfService.AtMostOnce);
        TestClient client = broker.Open();
        client.Send(new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V500,
            ClientId = "a",
            Will = new WillMessage { Topic = "w", QoS = QualityOfService.AtLeastOnce },
        });
        Assert.Equal(ReasonCode.QoSNotSupported, client.Connection.Last<ConnAckPacket>().ReasonCode);
    }

    [Fact]
    public void No_CONNECT_within_the_connect_timeout_closes_the_connection()
    {
        var broker = new TestBroker();
        TestClient client = broker.Open();
        client.Connection.FireTimers();
        Assert.True(client.Connection.Closed);
    }

    [Fact]
    public void An_unsupported_protocol_version_is_answered_with_CONNACK_MQTT_3_1_2_2()
    {
        var broker = new TestBroker();
        TestClient client = broker.Open();
        client.Violate(new ProtocolViolation(ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2", "level 6"));
        Assert.Equal(ReasonCode.UnsupportedProtocolVersion, client.Connection.Last<ConnAckPacket>().ReasonCode);
        Assert.True(client.Connection.Closed);
    }

    [Fact]
    public void Shutting_down_refuses_new_connections_with_0x8B()
    {
        var broker = new TestBroker();
        broker.Context.ShuttingDown = true;
        TestClient client = broker.Open();
        client.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "a" });
        Assert.Equal(ReasonCode.ServerShuttingDown, client.Connection.Last<ConnAckPacket>().ReasonCode);
    }

    [Fact]
    public void Disconnecting_everyone_sends_DISCONNECT_0x8B_in_5_0_and_closes_3_1_1_silently()
    {
        var broker = new TestBroker();
        TestClient v5 = broker.Connect("a");
        TestClient v3 = broker.Connect("b", ProtocolVersion.V311);
        broker.Context.Connections.DisconnectAll(ReasonCode.ServerShuttingDown);
        Assert.Equal(ReasonCode.ServerShuttingDown, v5.ServerDisconnect!.ReasonCode);
        Assert.True(v5.Connection.Closed);
        Assert.Null(v3.ServerDisconnect);
        Assert.True(v3.Connection.Closed);
        Assert.Equal(0, broker.Context.Connections.Count);
    }

    private sealed class PasswordAuthenticator : IAuthenticator
    {
        public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(request.Password is { } p && p.Span.SequenceEqual("secret"u8)
                ? AuthenticationResult.Success
                : AuthenticationResult.Fail(ReasonCode.BadUserNameOrPassword));
    }

    private sealed class DeferredAuthenticator : IAuthenticator
    {
        private readonly TaskCompletionSource<AuthenticationResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(AuthenticationResult result) => _result.SetResult(result);

        public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken) => new(_result.Task);
    }
}
