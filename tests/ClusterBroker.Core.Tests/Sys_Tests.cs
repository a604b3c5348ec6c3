using System.Text;
using ClusterBroker.Core.Sys;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Tests;

public class Sys_Tests
{
    [Fact]
    public void SYS_topics_report_version_uptime_clients_messages_subscriptions_and_retained()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("$SYS/#");
        broker.Connect("pub").Publish("x", "1", QualityOfService.AtLeastOnce);
        broker.Time.Advance(TimeSpan.FromSeconds(42));
        new SysTopicPublisher(broker.Context).PublishAll();

        Dictionary<string, string> values = sub.Received.ToDictionary(p => p.Topic, p => Encoding.UTF8.GetString(p.Payload.Span));
        Assert.StartsWith("ClusterBroker", values[SysTopicPublisher.Version]);
        Assert.Equal("42 seconds", values[SysTopicPublisher.Uptime]);
        Assert.Equal("2", values[SysTopicPublisher.ClientsConnected]);
        Assert.Equal("2", values[SysTopicPublisher.ClientsTotal]);
        Assert.Equal("1", values[SysTopicPublisher.MessagesReceived]);
        Assert.Equal("1", values[SysTopicPublisher.SubscriptionsCount]);
        Assert.True(values.ContainsKey(SysTopicPublisher.MessagesSent));
        Assert.True(values.ContainsKey(SysTopicPublisher.BytesReceived));
        Assert.True(values.ContainsKey(SysTopicPublisher.BytesSent));
        Assert.True(values.ContainsKey(SysTopicPublisher.RetainedCount));
    }

    [Fact]
    public void SYS_topics_count_refused_CONNECTs_and_what_the_ACL_refused()
    {
        var broker = new TestBroker(authenticator: new AnonymousAuthenticator(allowAnonymous: false));
        TestClient refused = broker.Open();
        refused.Send(new Protocol.Packets.ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "anon" });
        TestClient sub = broker.Connect("sub", customize: c => c with { Username = "u" });
        sub.Subscribe("$SYS/broker/security/#");
        sub.Publish("$SYS/fake", "x", QualityOfService.AtLeastOnce);
        new SysTopicPublisher(broker.Context).PublishAll();

        Dictionary<string, string> values = sub.Received.ToDictionary(p => p.Topic, p => Encoding.UTF8.GetString(p.Payload.Span));
        Assert.Equal("1", values[SysTopicPublisher.AuthenticationFailures]);
        Assert.Equal("1", values[SysTopicPublisher.PublishesDenied]);
        Assert.Equal("0", values[SysTopicPublisher.SubscriptionsDenied]);
        Assert.Equal("0", values[SysTopicPublisher.DeliveriesDenied]);
    }

    [Fact]
    public void SYS_topics_are_not_matched_by_a_bare_hash()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("#");
        new SysTopicPublisher(broker.Context).PublishAll();
        Assert.Empty(sub.Received);
    }
}
