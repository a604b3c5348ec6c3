using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Tests;

public class Message_Expiry_Tests
{
    [Fact]
    public void The_remaining_expiry_interval_is_forwarded()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", clean: false, customize: c => c with { SessionExpiryInterval = 100 });
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        sub.Drop();
        broker.Connect("pub").Publish("t", "x", QualityOfService.AtLeastOnce, customize: p => p with { MessageExpiryInterval = 60 });
        broker.Time.Advance(TimeSpan.FromSeconds(20));
        TestClient back = broker.Connect("sub", clean: false, customize: c => c with { SessionExpiryInterval = 100 });
        Assert.Equal(40u, Assert.Single(back.Received).MessageExpiryInterval);
    }

    [Fact]
    public void Expired_messages_are_dropped_from_the_session_queue()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", clean: false, customize: c => c with { SessionExpiryInterval = 100 });
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        sub.Drop();
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "short", QualityOfService.AtLeastOnce, customize: p => p with { MessageExpiryInterval = 5 });
        pub.Publish("t", "long", QualityOfService.AtLeastOnce, customize: p => p with { MessageExpiryInterval = 500 });
        pub.Publish("t", "forever", QualityOfService.AtLeastOnce);
        broker.Time.Advance(TimeSpan.FromSeconds(10));
        TestClient back = broker.Connect("sub", clean: false, customize: c => c with { SessionExpiryInterval = 100 });
        Assert.Equal(new[] { "long", "forever" }, back.ReceivedPayloads);
        Assert.Null(back.Received[1].MessageExpiryInterval);
    }

    [Fact]
    public void An_expired_retained_message_is_not_delivered()
    {
        var broker = new TestBroker();
        broker.Connect("pub").Publish("t", "x", retain: true, customize: p => p with { MessageExpiryInterval = 1 });
        broker.Time.Advance(TimeSpan.FromSeconds(2));
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t");
        Assert.Empty(sub.Received);
        Assert.Equal(0, broker.Context.Retained.Count);
    }
}
