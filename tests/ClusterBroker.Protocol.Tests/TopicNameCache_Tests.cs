using System.Buffers;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>The decoder's small cache of recent PUBLISH topic names.</summary>
public class TopicNameCache_Tests
{
    private static PublishPacket Publish(MqttPacketDecoder decoder, string topic)
    {
        var frame = Encode(new PublishPacket { Topic = topic, Payload = new byte[] { 1 } }, ProtocolVersion.V311);
        var result = decoder.Decode(new ReadOnlySequence<byte>(frame));
        Assert.Equal(DecodeStatus.Packet, result.Status);
        return (PublishPacket)result.Packet!;
    }

    [Fact]
    public void A_repeated_topic_decodes_to_the_same_string_instance()
    {
        var decoder = NewDecoder(ProtocolVersion.V311);
        var first = Publish(decoder, "devices/1/telemetry");
        var second = Publish(decoder, "devices/1/telemetry");
        Assert.Same(first.Topic, second.Topic);
    }

    [Fact]
    public void Without_the_cache_each_PUBLISH_gets_its_own_string()
    {
        var decoder = new MqttPacketDecoder { ProtocolVersion = ProtocolVersion.V311, TopicNameCacheSize = 0 };
        var first = Publish(decoder, "devices/1/telemetry");
        var second = Publish(decoder, "devices/1/telemetry");
        Assert.Equal(first.Topic, second.Topic);
        Assert.NotSame(first.Topic, second.Topic);
    }

    [Fact]
    public void Many_different_topics_through_a_small_cache_all_decode_correctly()
    {
        var decoder = new MqttPacketDecoder { ProtocolVersion = ProtocolVersion.V311, TopicNameCacheSize = 2 };
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var topic = random.Next(4) switch
            {
                0 => "a",
                1 => "a/b",
                2 => "é/" + random.Next(10),
                _ => new string('x', random.Next(1, 300)), // some longer than the cached maximum
            };
            Assert.Equal(topic, Publish(decoder, topic).Topic);
        }
    }

    [Fact]
    public void A_cached_topic_does_not_let_a_similar_invalid_topic_through_MQTT_3_3_2_2()
    {
        var decoder = NewDecoder(ProtocolVersion.V311);
        Publish(decoder, "a/b");
        var result = decoder.Decode(new ReadOnlySequence<byte>(Frame(0x30, "00 03 61 2F 2B")));
        Assert.Equal(DecodeStatus.Violation, result.Status);
        Assert.Equal("MQTT-3.3.2-2", result.Violation!.Rule);
    }
}
