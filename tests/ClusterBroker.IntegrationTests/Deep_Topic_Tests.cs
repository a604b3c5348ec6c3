using System.Text;
using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// No topic depth the options allow may crash the broker: with MaxTopicLevels 0 (unlimited), a topic of 65,535 '/'
/// characters has 65,536 empty levels, which a recursive walk of the retained messages cannot survive.
/// </summary>
public sealed class Deep_Topic_Tests
{
    private static readonly string s_deepest = new('/', 65_535);

    private static MqttApplicationMessage Retained(string topic, string payload, uint expirySeconds) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(Q.Q1).WithRetainFlag().WithMessageExpiryInterval(expirySeconds).Build();

    [Fact]
    public async Task A_retained_message_on_a_topic_of_65535_slashes_is_delivered_to_a_subscriber_to_hash()
    {
        await using var broker = await TestBroker.StartAsync(new BrokerOptions { MaxTopicLevels = 0 });
        await using var publisher = await TestClient.ConnectAsync(broker.Port);
        await publisher.PublishAsync(Retained(s_deepest, "deep", 60));

        await using var subscriber = await TestClient.ConnectAsync(broker.Port);
        await subscriber.SubscribeAsync("#", Q.Q1);

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == s_deepest, "the retained message on the deepest topic");
        Assert.True(message.Retain);
        Assert.Equal("deep", message.Payload);
    }

    [Fact]
    public async Task An_expired_retained_message_on_a_topic_of_65535_slashes_is_removed_when_a_subscriber_to_hash_finds_it()
    {
        await using var broker = await TestBroker.StartAsync(new BrokerOptions { MaxTopicLevels = 0 });
        await using var publisher = await TestClient.ConnectAsync(broker.Port);
        long before = broker.Host.Node.Context.Retained.Count; // the broker's own $SYS topics
        await publisher.PublishAsync(Retained(s_deepest, "expires", 1));
        Assert.Equal(before + 1, broker.Host.Node.Context.Retained.Count);
        DateTime expired = DateTime.UtcNow.AddSeconds(1.2);
        await Eventually.AssertAsync(() => DateTime.UtcNow >= expired, "the Message Expiry Interval of 1 s elapsed");

        await using var subscriber = await TestClient.ConnectAsync(broker.Port);
        await subscriber.SubscribeAsync("#", Q.Q1);
        string marker = Unique.Topic("marker");
        await publisher.PublishAsync(marker, "marker", Q.Q1);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Topic == marker), "the marker");
        Assert.DoesNotContain(received, m => m.Topic == s_deepest);
        Assert.Equal(before, broker.Host.Node.Context.Retained.Count);
        await using var another = await TestClient.ConnectAsync(broker.Port);
        Assert.True(another.Client.IsConnected, "the broker still serves");
    }
}
