using ClusterBroker.Core.Security;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.IntegrationTests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

public class Enhanced_Authentication_Tests
{
    private static readonly PasswordFile Users = PasswordFile.Parse(string.Join('\n',
        "alice:" + PasswordHash.Create("wonderland"u8) + ":" + ScramCredentials.Create("wonderland"u8),
        "bob:" + PasswordHash.Create("builder"u8) + ":" + ScramCredentials.Create("builder"u8),
        "plain:" + PasswordHash.Create("no-scram"u8)));

    private static TestBroker Broker(IAuthorizer? authorizer = null, FailedAttemptTracker? tracker = null)
    {
        IEnhancedAuthenticator scram = new ScramAuthenticator(() => Users);
        if (tracker is not null)
        {
            scram = new ThrottlingEnhancedAuthenticator(scram, tracker);
        }

        return new TestBroker(authenticator: new CombinedAuthenticator(new PasswordFileAuthenticator(Users, allowAnonymous: false), scram), authorizer: authorizer);
    }

    private static (TestClient Client, ScramClient Scram) StartConnect(TestBroker broker, string method, string user, string password, string clientId = "c1")
    {
        var scram = new ScramClient(method, user, password);
        TestClient client = broker.Open();
        client.Send(new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V500,
            ClientId = clientId,
            CleanSession = true,
            AuthenticationMethod = method,
            AuthenticationData = scram.ClientFirst(),
        });
        return (client, scram);
    }

    private static TestClient ConnectWithScram(TestBroker broker, string method, string user, string password, string clientId = "c1")
    {
        (TestClient client, ScramClient scram) = StartConnect(broker, method, user, password, clientId);
        AuthPacket challenge = client.Connection.Last<AuthPacket>();
        Assert.Equal((ReasonCode.ContinueAuthentication, method), (challenge.ReasonCode, challenge.AuthenticationMethod));
        client.Send(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = method, AuthenticationData = scram.ClientFinal(challenge.AuthenticationData!.Value.ToArray()) });
        ConnAckPacket ack = client.Connection.Last<ConnAckPacket>();
        Assert.Equal(ReasonCode.Success, ack.ReasonCode);
        Assert.Equal(method, ack.AuthenticationMethod);
        Assert.True(scram.VerifyServerFinal(ack.AuthenticationData?.ToArray()), "the server proves it knows the user's keys");
        return client;
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-512")]
    public void A_SCRAM_exchange_with_the_right_password_connects_and_the_server_proves_itself(string method)
    {
        ConnectWithScram(Broker(), method, "alice", "wonderland");
    }

    [Theory]
    [InlineData("alice", "wrong")]
    [InlineData("mallory", "wonderland")]
    [InlineData("plain", "no-scram")]
    public void A_wrong_password_an_unknown_user_or_a_user_without_SCRAM_keys_gets_0x86_after_a_normal_looking_challenge(string user, string password)
    {
        var broker = Broker();
        (TestClient client, ScramClient scram) = StartConnect(broker, "SCRAM-SHA-256", user, password);
        AuthPacket challenge = client.Connection.Last<AuthPacket>();
        Assert.Equal(ReasonCode.ContinueAuthentication, challenge.ReasonCode);

        client.Send(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = "SCRAM-SHA-256", AuthenticationData = scram.ClientFinal(challenge.AuthenticationData!.Value.ToArray()) });

        Assert.Equal(ReasonCode.BadUserNameOrPassword, client.Connection.Last<ConnAckPacket>().ReasonCode);
        Assert.True(client.Connection.Closed);
        Assert.Equal(1, broker.Context.Metrics.AuthenticationFailures);
    }

    [Fact]
    public void An_unsupported_method_is_refused_with_0x8C()
    {
        TestClient client = Broker().Open();
        client.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "c", AuthenticationMethod = "KERBEROS", AuthenticationData = new byte[] { 1 } });
        Assert.Equal(ReasonCode.BadAuthenticationMethod, client.Connection.Last<ConnAckPacket>().ReasonCode);
    }

    [Theory]
    [InlineData("n=alice,r=abc")]          // no GS2 header
    [InlineData("p=tls-unique,,n=alice,r=abc")] // channel binding
    [InlineData("n,,r=abc,n=alice")]       // attributes out of order
    [InlineData("n,,n=al=ice,r=abc")]      // bad escape
    [InlineData("n,,n=alice,r=abc,m=ext")] // mandatory extension
    [InlineData("n,a=bob,n=alice,r=abc")]  // another authorization identity
    public void A_malformed_client_first_message_is_refused_with_0x87(string message)
    {
        TestClient client = Broker().Open();
        client.Send(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "c", AuthenticationMethod = "SCRAM-SHA-256", AuthenticationData = System.Text.Encoding.UTF8.GetBytes(message) });
        Assert.Equal(ReasonCode.NotAuthorized, client.Connection.Last<ConnAckPacket>().ReasonCode);
        Assert.Empty(client.Connection.SentOf<AuthPacket>());
    }

    [Fact]
    public void A_client_final_message_with_another_nonce_is_refused_with_0x87()
    {
        (TestClient client, _) = StartConnect(Broker(), "SCRAM-SHA-256", "alice", "wonderland");
        client.Send(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = "SCRAM-SHA-256", AuthenticationData = "c=biws,r=forged,p=AAAA"u8.ToArray() });
        Assert.Equal(ReasonCode.NotAuthorized, client.Connection.Last<ConnAckPacket>().ReasonCode);
    }

    [Fact]
    public void Only_AUTH_or_DISCONNECT_may_come_before_CONNACK_during_the_exchange_MQTT_3_1_2_30()
    {
        (TestClient client, _) = StartConnect(Broker(), "SCRAM-SHA-256", "alice", "wonderland");
        client.Publish("t", "early");
        Assert.True(client.Connection.Closed);
        Assert.Empty(client.Connection.SentOf<ConnAckPacket>());
    }

    [Fact]
    public void AUTH_with_another_method_or_out_of_sequence_is_a_protocol_error()
    {
        var broker = Broker();
        (TestClient other, _) = StartConnect(broker, "SCRAM-SHA-256", "alice", "wonderland", "c-other");
        other.Send(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = "SCRAM-SHA-512", AuthenticationData = new byte[] { 1 } });
        Assert.True(other.Connection.Closed);

        TestClient connected = ConnectWithScram(broker, "SCRAM-SHA-256", "alice", "wonderland", "c-seq");
        connected.Send(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = "SCRAM-SHA-256", AuthenticationData = new byte[] { 1 } });
        Assert.Equal(ReasonCode.ProtocolError, connected.ServerDisconnect!.ReasonCode);

        TestClient passwordClient = broker.Connect("c-pw", customize: c => c with { Username = "alice", Password = "wonderland"u8.ToArray() });
        passwordClient.Send(new AuthPacket { ReasonCode = ReasonCode.ReAuthenticate, AuthenticationMethod = "SCRAM-SHA-256" });
        Assert.Equal(ReasonCode.ProtocolError, passwordClient.ServerDisconnect!.ReasonCode);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-512")]
    public void Re_authentication_runs_the_exchange_again_on_the_live_connection_and_ends_with_AUTH_0x00(string method)
    {
        TestClient client = ConnectWithScram(Broker(), method, "alice", "wonderland");
        var again = new ScramClient(method, "alice", "wonderland");

        client.Send(new AuthPacket { ReasonCode = ReasonCode.ReAuthenticate, AuthenticationMethod = method, AuthenticationData = again.ClientFirst() });
        AuthPacket challenge = client.Connection.Last<AuthPacket>();
        Assert.Equal(ReasonCode.ContinueAuthentication, challenge.ReasonCode);
        client.Send(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = method, AuthenticationData = again.ClientFinal(challenge.AuthenticationData!.Value.ToArray()) });

        AuthPacket done = client.Connection.Last<AuthPacket>();
        Assert.Equal(ReasonCode.Success, done.ReasonCode);
        Assert.True(again.VerifyServerFinal(done.AuthenticationData?.ToArray()));
        Assert.False(client.Connection.Closed);
    }

    [Theory]
    [InlineData("alice", "wrong")]
    [InlineData("bob", "builder")] // right password, another user
    public void A_failed_re_authentication_ends_the_connection_with_DISCONNECT_0x87(string user, string password)
    {
        TestClient client = ConnectWithScram(Broker(), "SCRAM-SHA-256", "alice", "wonderland");
        var again = new ScramClient("SCRAM-SHA-256", user, password);
        client.Send(new AuthPacket { ReasonCode = ReasonCode.ReAuthenticate, AuthenticationMethod = "SCRAM-SHA-256", AuthenticationData = again.ClientFirst() });
        AuthPacket challenge = client.Connection.Last<AuthPacket>();
        client.Send(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = "SCRAM-SHA-256", AuthenticationData = again.ClientFinal(challenge.AuthenticationData!.Value.ToArray()) });

        Assert.Equal(ReasonCode.NotAuthorized, client.ServerDisconnect!.ReasonCode);
        Assert.True(client.Connection.Closed);
    }

    [Fact]
    public void The_ACL_applies_to_the_user_SCRAM_authenticated()
    {
        var broker = Broker(new AclAuthorizer(AclFile.Parse("user alice\ntopic readwrite alice/#")));
        TestClient client = ConnectWithScram(broker, "SCRAM-SHA-256", "alice", "wonderland");
        Assert.Equal(ReasonCode.GrantedQoS0, Assert.Single(client.Subscribe("alice/x", QualityOfService.AtMostOnce).ReasonCodes));
        Assert.Equal(ReasonCode.NotAuthorized, Assert.Single(client.Subscribe("bob/x", QualityOfService.AtMostOnce).ReasonCodes));
    }

    [Fact]
    public void Failed_exchanges_count_towards_a_ban_of_the_address()
    {
        var tracker = new FailedAttemptTracker(2, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), new FakeTimeProvider());
        var broker = Broker(tracker: tracker);
        for (int i = 0; i < 2; i++)
        {
            (TestClient client, ScramClient scram) = StartConnect(broker, "SCRAM-SHA-256", "alice", "guess" + i, "c" + i);
            AuthPacket challenge = client.Connection.Last<AuthPacket>();
            client.Send(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = "SCRAM-SHA-256", AuthenticationData = scram.ClientFinal(challenge.AuthenticationData!.Value.ToArray()) });
        }

        (TestClient banned, _) = StartConnect(broker, "SCRAM-SHA-256", "alice", "wonderland", "c-banned");
        Assert.Equal(ReasonCode.Banned, banned.Connection.Last<ConnAckPacket>().ReasonCode);
    }

    [Fact]
    public void SCRAM_keys_round_trip_through_the_password_file_and_a_bad_field_is_reported_without_losing_the_password()
    {
        PasswordFile file = PasswordFile.Parse("dan:" + PasswordHash.Create("pw"u8) + ":$scram$4096$bad");
        Assert.True(file.Users["dan"].Verify("pw"u8));
        Assert.False(file.Scram.ContainsKey("dan"));
        Assert.Contains("SCRAM", Assert.Single(file.Errors).Message);
        Assert.Equal(2, Users.Scram.Count);
    }
}
