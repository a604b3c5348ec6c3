using ClusterBroker.Core.Channel;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

/// <summary>Server-to-client topic aliases (MQTT 5.0 section 3.3.2.3.4): per connection, least recently used replaced.</summary>
public class Outgoing_Topic_Alias_Tests
{
    /// <summary>Applies the client's side of the rules: returns the topic each PUBLISH stands for, asserting the aliases are valid.</summary>
    private static string[] Resolve(IEnumerable<PublishPacket> received, ushort clientMaximum)
    {
        var map = new Dictionary<ushort, string>();
        var topics = new List<string>();
        foreach (PublishPacket p in received)
        {
            if (p.TopicAlias is not ushort alias)
            {
                topics.Add(p.Topic);
                continue;
            }

            Assert.InRange(alias, (ushort)1, clientMaximum); // [MQTT-3.3.2-10]
            if (p.Topic.Length > 0)
            {
                map[alias] = p.Topic;
            }

            Assert.True(map.TryGetValue(alias, out string? topic), $"alias {alias} used before it was set");
            topics.Add(topic!);
        }

        return topics.ToArray();
    }

    [Fact]
    public void The_first_message_on_a_topic_sets_an_alias_and_later_ones_carry_only_the_alias()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", customize: c => c with { TopicAliasMaximum = 10 });
        sub.Subscribe("a/very/long/topic/#");
        TestClient pub = broker.Connect("pub");
        pub.Publish("a/very/long/topic/1", "1");
        pub.Publish("a/very/long/topic/1", "2");
        pub.Publish("a/very/long/topic/1", "3");

        PublishPacket[] received = sub.Received;
        Assert.Equal(("a/very/long/topic/1", (ushort?)1), (received[0].Topic, received[0].TopicAlias));
        Assert.All(received.Skip(1), p => Assert.Equal((string.Empty, (ushort?)1), (p.Topic, p.TopicAlias)));
        Assert.Equal(["a/very/long/topic/1", "a/very/long/topic/1", "a/very/long/topic/1"], Resolve(received, 10));
    }

    [Fact]
    public void When_the_client_alias_space_is_full_the_least_recently_used_alias_is_reassigned()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", customize: c => c with { TopicAliasMaximum = 2 });
        sub.Subscribe("t/#");
        TestClient pub = broker.Connect("pub");
        string[] sent = ["t/a", "t/b", "t/a", "t/c", "t/a", "t/b", "t/c", "t/c"];
        foreach (string topic in sent)
        {
            pub.Publish(topic, topic);
        }

        PublishPacket[] received = sub.Received;
        Assert.Equal(sent, Resolve(received, 2));

        // t/c takes t/b's alias (t/a was used more recently), t/b then takes it back, and t/c takes t/a's, the least recently used by then.
        Assert.Equal(new ushort?[] { 1, 2, 1, 2, 1, 2, 1, 1 }, received.Select(p => p.TopicAlias));
        Assert.Equal(new[] { "t/a", "t/b", "", "t/c", "", "t/b", "t/c", "" }, received.Select(p => p.Topic));
    }

    [Fact]
    public void A_client_that_allows_no_aliases_gets_none_MQTT_3_3_2_10()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t");
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "1");
        pub.Publish("t", "2");
        Assert.All(sub.Received, p => Assert.Equal(("t", (ushort?)null), (p.Topic, p.TopicAlias)));
    }

    [Fact]
    public void Outgoing_aliases_can_be_turned_off()
    {
        var broker = new TestBroker(o => o.OutgoingTopicAliasMaximum = 0);
        TestClient sub = broker.Connect("sub", customize: c => c with { TopicAliasMaximum = 10 });
        sub.Subscribe("t");
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "1");
        pub.Publish("t", "2");
        Assert.All(sub.Received, p => Assert.Equal(("t", (ushort?)null), (p.Topic, p.TopicAlias)));
    }

    [Fact]
    public void The_broker_uses_no_more_aliases_than_its_own_limit()
    {
        var broker = new TestBroker(o => o.OutgoingTopicAliasMaximum = 1);
        TestClient sub = broker.Connect("sub", customize: c => c with { TopicAliasMaximum = 100 });
        sub.Subscribe("t/#");
        TestClient pub = broker.Connect("pub");
        foreach (string topic in new[] { "t/1", "t/2", "t/1" })
        {
            pub.Publish(topic, "x");
        }

        Assert.All(sub.Received, p => Assert.Equal((ushort?)1, p.TopicAlias));
        Assert.Equal(["t/1", "t/2", "t/1"], Resolve(sub.Received, 1));
    }

    [Fact]
    public void Aliases_are_not_used_with_3_1_1_clients()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311);
        sub.Subscribe("t");
        broker.Connect("pub").Publish("t", "1");
        Assert.Null(Assert.Single(sub.Received).TopicAlias);
    }

    [Fact]
    public void A_message_too_large_for_the_client_does_not_leave_an_alias_the_client_never_learnt()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", customize: c => c with { TopicAliasMaximum = 1, MaximumPacketSize = 64 });
        sub.Subscribe("t/#");
        TestClient pub = broker.Connect("pub");
        pub.Publish("t/big", new string('x', 100)); // dropped as if sent [MQTT-3.1.2-25]
        pub.Publish("t/big", "small");

        PublishPacket only = Assert.Single(sub.Received);
        Assert.Equal(("t/big", (ushort?)1), (only.Topic, only.TopicAlias)); // sent with its topic: the first attempt taught nothing
    }

    [Fact]
    public void Aliases_start_again_on_a_new_connection_MQTT_3_3_2_7()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", clean: false, customize: c => c with { TopicAliasMaximum = 5, SessionExpiryInterval = 60 });
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "1", QualityOfService.AtLeastOnce);
        sub.Drop();
        pub.Publish("t", "2", QualityOfService.AtLeastOnce);

        TestClient back = broker.Connect("sub", clean: false, customize: c => c with { TopicAliasMaximum = 5, SessionExpiryInterval = 60 });
        PublishPacket[] received = back.Received;
        Assert.Equal("t", received[0].Topic); // the redelivered message sets the alias again
        Assert.Equal(["t", "t"], Resolve(received, 5));
    }

    [Fact]
    public void The_alias_table_reuses_a_forgotten_alias_first()
    {
        var aliases = new OutgoingTopicAliases(3);
        Assert.Equal(1, aliases.Get("a", out bool known));
        Assert.False(known);
        Assert.Equal(2, aliases.Get("b", out _));
        Assert.Equal(3, aliases.Get("c", out _));
        aliases.Forget(2);
        Assert.Equal(2, aliases.Count);
        Assert.Equal(2, aliases.Get("d", out known));
        Assert.False(known);
        Assert.Equal(1, aliases.Get("a", out known));
        Assert.True(known);
        Assert.Equal(3, aliases.Get("e", out _)); // c is now the least recently used
        Assert.Equal(3, aliases.Count);
    }

    [Fact]
    public void The_alias_table_keeps_every_topic_it_maps_consistent_under_churn()
    {
        var aliases = new OutgoingTopicAliases(7);
        var clientView = new Dictionary<ushort, string>();
        var random = new Random(13);
        for (int i = 0; i < 10_000; i++)
        {
            string topic = "t/" + random.Next(20);
            ushort alias = aliases.Get(topic, out bool known);
            Assert.InRange(alias, (ushort)1, (ushort)7);
            if (known)
            {
                Assert.Equal(topic, clientView[alias]);
            }
            else if (random.Next(10) == 0)
            {
                aliases.Forget(alias); // not sent: the client keeps whatever it had
            }
            else
            {
                clientView[alias] = topic;
            }
        }
    }
}
