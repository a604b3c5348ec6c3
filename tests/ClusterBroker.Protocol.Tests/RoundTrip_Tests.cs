using System.Buffers;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>Property-style round trips: generated packets (seeded) encode and decode back to equal packets.</summary>
public class RoundTrip_Tests
{
    private const int PacketsPerTypeAndVersion = 300;

    public static IEnumerable<object[]> VersionsAndTypes()
    {
        foreach (var version in new[] { ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500 })
        {
            foreach (var type in Enum.GetValues<PacketType>())
            {
                if (type != PacketType.Auth || version == ProtocolVersion.V500)
                {
                    yield return [version, type];
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(VersionsAndTypes))]
    public void Generated_packets_decode_to_what_was_encoded(ProtocolVersion version, PacketType type)
    {
        var generator = new PacketGenerator(new Random(HashCode.Combine(1234, (int)version, (int)type)), version);
        for (var i = 0; i < PacketsPerTypeAndVersion; i++)
        {
            var packet = generator.Next(type);
            var frame = Encode(packet, version);
            Assert.Equal(frame.Length, MqttPacketEncoder.GetEncodedSize(packet, version));

            var result = NewDecoder(type == PacketType.Connect ? null : version).Decode(new ReadOnlySequence<byte>(frame));
            Assert.True(result.Status == DecodeStatus.Packet, $"#{i} {packet}: {result} for {Convert.ToHexString(frame)}");
            Assert.Equal(frame.Length, result.BytesConsumed);
            PacketAssert.Equal(packet, result.Packet!);
        }
    }

    [Theory]
    [MemberData(nameof(VersionsAndTypes))]
    public void Generated_packets_split_into_random_segments_decode_the_same(ProtocolVersion version, PacketType type)
    {
        var random = new Random(HashCode.Combine(99, (int)version, (int)type));
        var generator = new PacketGenerator(random, version);
        for (var i = 0; i < PacketsPerTypeAndVersion / 3; i++)
        {
            var packet = generator.Next(type);
            var frame = Encode(packet, version);
            var parts = new List<byte[]>();
            var offset = 0;
            while (offset < frame.Length)
            {
                var length = Math.Min(frame.Length - offset, random.Next(1, 9));
                parts.Add(frame.AsSpan(offset, length).ToArray());
                offset += length;
            }

            var result = NewDecoder(type == PacketType.Connect ? null : version).Decode(Segments([.. parts]));
            Assert.Equal(DecodeStatus.Packet, result.Status);
            PacketAssert.Equal(packet, result.Packet!);
        }
    }

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Publish_header_followed_by_the_payload_equals_the_whole_encoding(ProtocolVersion version)
    {
        var generator = new PacketGenerator(new Random(7), version);
        for (var i = 0; i < PacketsPerTypeAndVersion; i++)
        {
            var packet = (PublishPacket)generator.Next(PacketType.Publish);
            var header = new ArrayBufferWriter<byte>();
            var written = MqttPacketEncoder.EncodePublishHeader(packet, version, header);
            Assert.Equal(header.WrittenCount, written);
            var joined = header.WrittenSpan.ToArray().Concat(packet.Payload.ToArray()).ToArray();
            Assert.Equal(Convert.ToHexString(Encode(packet, version)), Convert.ToHexString(joined));
        }
    }

    [Fact]
    public void Generated_v5_packets_exercise_every_property()
    {
        // Decode generated frames and record which property identifiers appear on the wire.
        var seen = new HashSet<PropertyId>();
        var random = new Random(42);
        var generator = new PacketGenerator(random, ProtocolVersion.V500);
        foreach (var type in Enum.GetValues<PacketType>())
        {
            for (var i = 0; i < 50; i++)
            {
                var packet = generator.Next(type);
                foreach (var property in PropertyDefinitions.All)
                {
                    if (HasProperty(packet, property.Id))
                    {
                        seen.Add(property.Id);
                    }
                }
            }
        }

        foreach (var property in PropertyDefinitions.All)
        {
            Assert.Contains(property.Id, seen);
        }
    }

    private static bool HasProperty(MqttPacket packet, PropertyId id) => id switch
    {
        PropertyId.PayloadFormatIndicator => packet is PublishPacket { PayloadFormatIndicator: not null } || packet is ConnectPacket { Will.PayloadFormatIndicator: not null },
        PropertyId.MessageExpiryInterval => packet is PublishPacket { MessageExpiryInterval: not null } || packet is ConnectPacket { Will.MessageExpiryInterval: not null },
        PropertyId.ContentType => packet is PublishPacket { ContentType: not null } || packet is ConnectPacket { Will.ContentType: not null },
        PropertyId.ResponseTopic => packet is PublishPacket { ResponseTopic: not null } || packet is ConnectPacket { Will.ResponseTopic: not null },
        PropertyId.CorrelationData => packet is PublishPacket { CorrelationData: not null } || packet is ConnectPacket { Will.CorrelationData: not null },
        PropertyId.SubscriptionIdentifier => packet is PublishPacket { SubscriptionIdentifiers: not null } || packet is SubscribePacket { SubscriptionIdentifier: not null },
        PropertyId.SessionExpiryInterval => packet is ConnectPacket { SessionExpiryInterval: not null } || packet is ConnAckPacket { SessionExpiryInterval: not null } || packet is DisconnectPacket { SessionExpiryInterval: not null },
        PropertyId.AssignedClientIdentifier => packet is ConnAckPacket { AssignedClientIdentifier: not null },
        PropertyId.ServerKeepAlive => packet is ConnAckPacket { ServerKeepAlive: not null },
        PropertyId.AuthenticationMethod => packet is ConnectPacket { AuthenticationMethod: not null } || packet is ConnAckPacket { AuthenticationMethod: not null } || packet is AuthPacket { AuthenticationMethod: not null },
        PropertyId.AuthenticationData => packet is ConnectPacket { AuthenticationData: not null } || packet is ConnAckPacket { AuthenticationData: not null } || packet is AuthPacket { AuthenticationData: not null },
        PropertyId.RequestProblemInformation => packet is ConnectPacket { RequestProblemInformation: not null },
        PropertyId.WillDelayInterval => packet is ConnectPacket { Will.WillDelayInterval: not null },
        PropertyId.RequestResponseInformation => packet is ConnectPacket { RequestResponseInformation: not null },
        PropertyId.ResponseInformation => packet is ConnAckPacket { ResponseInformation: not null },
        PropertyId.ServerReference => packet is ConnAckPacket { ServerReference: not null } || packet is DisconnectPacket { ServerReference: not null },
        PropertyId.ReasonString => packet is PacketIdentifierAckPacket { ReasonString: not null } || packet is ConnAckPacket { ReasonString: not null } || packet is SubAckPacket { ReasonString: not null } || packet is UnsubAckPacket { ReasonString: not null } || packet is DisconnectPacket { ReasonString: not null } || packet is AuthPacket { ReasonString: not null },
        PropertyId.ReceiveMaximum => packet is ConnectPacket { ReceiveMaximum: not null } || packet is ConnAckPacket { ReceiveMaximum: not null },
        PropertyId.TopicAliasMaximum => packet is ConnectPacket { TopicAliasMaximum: not null } || packet is ConnAckPacket { TopicAliasMaximum: not null },
        PropertyId.TopicAlias => packet is PublishPacket { TopicAlias: not null },
        PropertyId.MaximumQoS => packet is ConnAckPacket { MaximumQoS: not null },
        PropertyId.RetainAvailable => packet is ConnAckPacket { RetainAvailable: not null },
        PropertyId.UserProperty => packet is PublishPacket { UserProperties: not null } || packet is SubscribePacket { UserProperties: not null } || packet is UnsubscribePacket { UserProperties: not null },
        PropertyId.MaximumPacketSize => packet is ConnectPacket { MaximumPacketSize: not null } || packet is ConnAckPacket { MaximumPacketSize: not null },
        PropertyId.WildcardSubscriptionAvailable => packet is ConnAckPacket { WildcardSubscriptionAvailable: not null },
        PropertyId.SubscriptionIdentifierAvailable => packet is ConnAckPacket { SubscriptionIdentifiersAvailable: not null },
        PropertyId.SharedSubscriptionAvailable => packet is ConnAckPacket { SharedSubscriptionAvailable: not null },
        _ => false,
    };
}
