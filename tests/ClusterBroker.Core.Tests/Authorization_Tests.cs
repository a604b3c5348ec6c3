using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Security;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Tests;

public class Authorization_Tests
{
    private const string Rules = """
        topic read public/#
        topic write public/in

        user alice
        topic readwrite alice/#
        topic deny alice/secret/#
        topic read test/#
        topic deny test/nosubscribe

        user bob
        topic readwrite #

        pattern readwrite devices/%c/#
        pattern read users/%u/inbox
        """;

    private static (TestBroker Broker, AclAuthorizer Acl) Broker(string rules = Rules)
    {
        var acl = new AclAuthorizer(AclFile.Parse(rules));
        return (new TestBroker(authorizer: acl), acl);
    }

    private static TestClient Connect(TestBroker broker, string clientId, string? user, ProtocolVersion version = ProtocolVersion.V500) =>
        broker.Connect(clientId, version, customize: c => c with { Username = user });

    [Fact]
    public void A_5_0_QoS_1_PUBLISH_to_a_topic_the_client_may_not_write_gets_PUBACK_0x87_and_is_not_delivered()
    {
        (TestBroker broker, _) = Broker();
        TestClient bob = Connect(broker, "bob-1", "bob");
        bob.Subscribe("#");
        TestClient alice = Connect(broker, "alice-1", "alice");

        alice.Publish("public/in", "nope", QualityOfService.AtLeastOnce);
        alice.Publish("alice/x", "yes", QualityOfService.AtLeastOnce);

        Assert.Equal([ReasonCode.NotAuthorized, ReasonCode.Success], alice.Connection.SentOf<PubAckPacket>().Select(a => a.ReasonCode));
        Assert.Equal(["yes"], bob.ReceivedPayloads);
        Assert.Equal(1, broker.Context.Metrics.PublishesDenied);
        Assert.False(alice.Connection.Closed);
    }

    [Fact]
    public void A_5_0_QoS_2_PUBLISH_refused_gets_PUBREC_0x87_and_ends_its_flow()
    {
        (TestBroker broker, _) = Broker();
        TestClient alice = Connect(broker, "alice-1", "alice");
        alice.Publish("bob/x", "nope", QualityOfService.ExactlyOnce);
        PubRecPacket rec = alice.Connection.Last<PubRecPacket>();
        Assert.Equal(ReasonCode.NotAuthorized, rec.ReasonCode);

        alice.Send(new PubRelPacket { PacketId = rec.PacketId });
        Assert.Equal(ReasonCode.PacketIdentifierNotFound, alice.Connection.Last<PubCompPacket>().ReasonCode);
    }

    [Theory]
    [InlineData(QualityOfService.AtMostOnce)]
    [InlineData(QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.ExactlyOnce)]
    public void A_3_1_1_PUBLISH_refused_is_acknowledged_as_usual_and_dropped(QualityOfService qos)
    {
        (TestBroker broker, _) = Broker();
        TestClient bob = Connect(broker, "bob-1", "bob");
        bob.Subscribe("#");
        TestClient alice = Connect(broker, "alice-1", "alice", ProtocolVersion.V311);

        alice.Publish("bob/x", "nope", qos);
        if (qos == QualityOfService.ExactlyOnce)
        {
            PubRecPacket rec = alice.Connection.Last<PubRecPacket>();
            alice.Send(new PubRelPacket { PacketId = rec.PacketId });
            Assert.Equal(ReasonCode.Success, alice.Connection.Last<PubCompPacket>().ReasonCode);
        }
        else if (qos == QualityOfService.AtLeastOnce)
        {
            Assert.Single(alice.Connection.SentOf<PubAckPacket>());
        }

        Assert.Empty(bob.Received);
        Assert.False(alice.Connection.Closed);
    }

    [Theory]
    [InlineData(ProtocolVersion.V500)]
    [InlineData(ProtocolVersion.V311)]
    public void SUBSCRIBE_refuses_each_filter_the_client_may_not_read_with_0x87(ProtocolVersion version)
    {
        (TestBroker broker, _) = Broker();
        TestClient alice = Connect(broker, "alice-1", "alice", version);
        alice.Send(new SubscribePacket
        {
            PacketId = 1,
            Subscriptions =
            [
                new TopicSubscription { Filter = "test/#", MaximumQoS = QualityOfService.AtLeastOnce },
                new TopicSubscription { Filter = "test/nosubscribe", MaximumQoS = QualityOfService.AtLeastOnce },
                new TopicSubscription { Filter = "#", MaximumQoS = QualityOfService.AtLeastOnce },
                new TopicSubscription { Filter = "alice/+/x", MaximumQoS = QualityOfService.AtLeastOnce },
                new TopicSubscription { Filter = "alice/secret/+", MaximumQoS = QualityOfService.AtLeastOnce },
                new TopicSubscription { Filter = "$share/g/public/+", MaximumQoS = QualityOfService.AtLeastOnce },
            ],
        });

        // the encoder writes 0x87 as 0x80 Failure for 3.1.1
        Assert.Equal(
            [ReasonCode.GrantedQoS1, ReasonCode.NotAuthorized, ReasonCode.NotAuthorized, ReasonCode.GrantedQoS1, ReasonCode.NotAuthorized, ReasonCode.NotAuthorized],
            alice.Connection.Last<SubAckPacket>().ReasonCodes);
        Assert.Equal(4, broker.Context.Metrics.SubscriptionsDenied);
    }

    [Fact]
    public void A_deny_inside_a_granted_filter_stops_the_messages_it_covers_at_delivery()
    {
        (TestBroker broker, _) = Broker();
        TestClient alice = Connect(broker, "alice-1", "alice");
        Assert.Equal(ReasonCode.GrantedQoS0, Assert.Single(alice.Subscribe("alice/#", QualityOfService.AtMostOnce).ReasonCodes));
        TestClient bob = Connect(broker, "bob-1", "bob");

        bob.Publish("alice/secret/plan", "hidden");
        bob.Publish("alice/open", "seen");

        Assert.Equal(["seen"], alice.ReceivedPayloads);
        Assert.Equal(1, broker.Context.Metrics.DeliveriesDenied);
    }

    [Fact]
    public void Patterns_substitute_the_client_id_and_the_user_name()
    {
        (TestBroker broker, _) = Broker();
        TestClient dev = Connect(broker, "dev-7", "carol");
        dev.Publish("devices/dev-7/status", "mine", QualityOfService.AtLeastOnce);
        dev.Publish("devices/dev-8/status", "other", QualityOfService.AtLeastOnce);
        Assert.Equal([ReasonCode.NoMatchingSubscribers, ReasonCode.NotAuthorized], dev.Connection.SentOf<PubAckPacket>().Select(a => a.ReasonCode));

        Assert.Equal(
            [ReasonCode.GrantedQoS0, ReasonCode.NotAuthorized],
            new[] { "users/carol/inbox", "users/dave/inbox" }.Select(f => Assert.Single(dev.Subscribe(f, QualityOfService.AtMostOnce).ReasonCodes)));
    }

    [Fact]
    public void A_pattern_with_u_does_not_apply_to_anonymous_clients()
    {
        (TestBroker broker, _) = Broker("pattern read users/%u/#");
        TestClient anonymous = Connect(broker, "anon", null);
        Assert.Equal(ReasonCode.NotAuthorized, Assert.Single(anonymous.Subscribe("users/%u/#").ReasonCodes));
        Assert.Equal(ReasonCode.NotAuthorized, Assert.Single(anonymous.Subscribe("users//#").ReasonCodes));
    }

    [Fact]
    public void A_client_id_holding_a_wildcard_is_refused_everything_once_patterns_use_it()
    {
        var logs = new ListLoggerProvider();
        var broker = new TestBroker(authorizer: new AclAuthorizer(AclFile.Parse("pattern readwrite devices/%c/#\ntopic readwrite open/#"), logs.CreateLogger("acl")));
        TestClient sneaky = Connect(broker, "#", null);
        Assert.Equal(ReasonCode.NotAuthorized, Assert.Single(sneaky.Subscribe("devices/#").ReasonCodes));
        Assert.Equal(ReasonCode.NotAuthorized, Assert.Single(sneaky.Subscribe("open/x").ReasonCodes));
        Assert.Contains(logs.AtLeast(LogLevel.Warning), e => e.Message.Contains("holds '+' or '#'", StringComparison.Ordinal));
    }

    [Fact]
    public void Anonymous_clients_get_the_rules_before_the_first_user_line_and_users_do_not()
    {
        (TestBroker broker, _) = Broker();
        TestClient anonymous = Connect(broker, "anon", null);
        TestClient alice = Connect(broker, "alice-1", "alice");
        Assert.Equal(ReasonCode.GrantedQoS0, Assert.Single(anonymous.Subscribe("public/#", QualityOfService.AtMostOnce).ReasonCodes));
        Assert.Equal(ReasonCode.NotAuthorized, Assert.Single(alice.Subscribe("public/#", QualityOfService.AtMostOnce).ReasonCodes));
    }

    [Fact]
    public void A_deny_wins_over_an_allow_whatever_their_order()
    {
        (TestBroker broker, _) = Broker("""
            user u
            topic deny a/b
            topic readwrite a/#
            pattern deny a/%u
            """);
        TestClient client = Connect(broker, "c", "u");
        client.Publish("a/b", "x", QualityOfService.AtLeastOnce);
        client.Publish("a/u", "x", QualityOfService.AtLeastOnce);
        client.Publish("a/c", "x", QualityOfService.AtLeastOnce);
        Assert.Equal(
            [ReasonCode.NotAuthorized, ReasonCode.NotAuthorized, ReasonCode.NoMatchingSubscribers],
            client.Connection.SentOf<PubAckPacket>().Select(a => a.ReasonCode));
    }

    [Fact]
    public void A_reload_applies_to_connected_clients_without_reconnecting()
    {
        (TestBroker broker, AclAuthorizer acl) = Broker("user alice\ntopic readwrite a/#");
        TestClient alice = Connect(broker, "alice-1", "alice");
        alice.Subscribe("a/#", QualityOfService.AtMostOnce);
        TestClient pub = Connect(broker, "pub", "alice");
        pub.Publish("a/1", "before");
        Assert.Equal(["before"], alice.ReceivedPayloads);

        acl.Replace(AclFile.Parse("user alice\ntopic write a/#"));

        pub.Publish("a/1", "after", QualityOfService.AtLeastOnce);
        Assert.Equal(["before"], alice.ReceivedPayloads); // no longer readable: not delivered on the existing subscription
        Assert.Equal(ReasonCode.NotAuthorized, Assert.Single(alice.Subscribe("a/2", QualityOfService.AtMostOnce).ReasonCodes));
        Assert.False(alice.Connection.Closed);
    }

    [Fact]
    public void Retained_messages_are_delivered_only_where_the_client_may_read()
    {
        (TestBroker broker, _) = Broker();
        TestClient bob = Connect(broker, "bob-1", "bob");
        bob.Publish("alice/secret/x", "r1", retain: true);
        bob.Publish("alice/open", "r2", retain: true);
        TestClient alice = Connect(broker, "alice-1", "alice");
        alice.Subscribe("alice/#");
        Assert.Equal(["r2"], alice.ReceivedPayloads);
    }

    [Fact]
    public void No_client_may_publish_to_a_dollar_topic_even_without_an_ACL()
    {
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("w");
        watcher.Subscribe("$SYS/#");
        TestClient client = broker.Connect("c");
        client.Publish("$SYS/broker/version", "fake", QualityOfService.AtLeastOnce);
        client.Publish("$other", "fake", QualityOfService.AtLeastOnce);
        Assert.All(client.Connection.SentOf<PubAckPacket>(), a => Assert.Equal(ReasonCode.NotAuthorized, a.ReasonCode));
        Assert.Empty(watcher.Received);
    }

    [Fact]
    public void Even_a_user_allowed_everything_may_not_publish_to_SYS_but_everyone_may_read_it()
    {
        (TestBroker broker, _) = Broker();
        TestClient bob = Connect(broker, "bob-1", "bob");
        bob.Publish("$SYS/broker/uptime", "fake", QualityOfService.AtLeastOnce);
        Assert.Equal(ReasonCode.NotAuthorized, bob.Connection.Last<PubAckPacket>().ReasonCode);

        TestClient anonymous = Connect(broker, "anon", null); // no rule about $SYS: readable all the same
        Assert.Equal(ReasonCode.GrantedQoS0, Assert.Single(anonymous.Subscribe("$SYS/#", QualityOfService.AtMostOnce).ReasonCodes));
        broker.Context.Publish(new BrokerMessage { Topic = "$SYS/broker/uptime", Payload = "1"u8.ToArray() });
        Assert.Equal(["1"], anonymous.ReceivedPayloads);
    }

    [Fact]
    public void An_explicit_deny_hides_SYS()
    {
        (TestBroker broker, _) = Broker("topic deny $SYS/#");
        TestClient anonymous = Connect(broker, "anon", null);
        Assert.Equal(ReasonCode.NotAuthorized, Assert.Single(anonymous.Subscribe("$SYS/broker/+").ReasonCodes));
    }

    [Fact]
    public void A_Will_the_client_may_not_publish_refuses_the_CONNECT_with_0x87()
    {
        (TestBroker broker, _) = Broker();
        TestClient client = broker.Open();
        client.Send(new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V500,
            ClientId = "alice-1",
            Username = "alice",
            CleanSession = true,
            Will = new WillMessage { Topic = "bob/will", Payload = "x"u8.ToArray() },
        });
        Assert.Equal(ReasonCode.NotAuthorized, client.Connection.Last<ConnAckPacket>().ReasonCode);
        Assert.True(client.Connection.Closed);
    }

    [Fact]
    public void A_Will_no_longer_allowed_after_a_reload_is_not_published()
    {
        (TestBroker broker, AclAuthorizer acl) = Broker();
        TestClient bob = Connect(broker, "bob-1", "bob");
        bob.Subscribe("#");
        TestClient alice = broker.Connect("alice-1", customize: c => c with
        {
            Username = "alice",
            Will = new WillMessage { Topic = "alice/will", Payload = "gone"u8.ToArray() },
        });

        acl.Replace(AclFile.Parse(Rules.Replace("topic readwrite alice/#", "topic read alice/#", StringComparison.Ordinal)));
        alice.Drop(new IOException("reset"));

        Assert.Empty(bob.Received);
        Assert.Equal(1, broker.Context.Metrics.PublishesDenied);
    }

    [Fact]
    public void Decisions_are_cached_per_connection_and_dropped_on_reload()
    {
        var authorizer = new CountingAuthorizer();
        var access = new ConnectionAccess(authorizer, new AccessSubject("c", "u", "127.0.0.1:1"));
        for (int i = 0; i < 10; i++)
        {
            Assert.True(access.MayPublish("t"));
            Assert.True(access.MayRead("t"));
        }

        Assert.Equal((1, 2), (authorizer.Policies, authorizer.Checks));
        authorizer.Version++;
        Assert.True(access.MayPublish("t"));
        Assert.Equal((2, 3), (authorizer.Policies, authorizer.Checks));
    }

    private sealed class CountingAuthorizer : IAuthorizer, IAccessPolicy
    {
        public int Version { get; set; }

        public int Policies { get; private set; }

        public int Checks { get; private set; }

        public IAccessPolicy GetPolicy(AccessSubject subject)
        {
            Policies++;
            return this;
        }

        public AccessDecision Check(AccessKind kind, string topic)
        {
            Checks++;
            return AccessDecision.Allowed;
        }
    }
}
