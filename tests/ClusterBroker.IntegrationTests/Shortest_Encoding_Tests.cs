namespace ClusterBroker.IntegrationTests;

/// <summary>
/// The shortest encodings other brokers' test suites expect: 5.0 PUBACK, PUBREC, PUBREL and PUBCOMP with reason 0x00
/// and no properties are 2-byte bodies (sections 3.4.2.1, 3.5.2.1, 3.6.2.1, 3.7.2.1); no reason strings where the
/// client set Request Problem Information 0 ([MQTT-3.1.2-29]).
/// </summary>
public sealed class Shortest_Encoding_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Fact]
    public async Task PUBACK_PUBREC_PUBREL_and_PUBCOMP_with_reason_0x00_have_2_byte_bodies()
    {
        var topic = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        await subscriber.SendAsync(RawPackets.Subscribe(1, true, (topic, 2)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await publisher.SendAsync(RawPackets.Publish(topic, "q1", qos: 1, packetId: 7, v5: true));
        var pubAck = await publisher.ExpectAsync(RawPacket.PubAck);
        await publisher.SendAsync(RawPackets.Publish(topic, "q2", qos: 2, packetId: 8, v5: true));
        var pubRec = await publisher.ExpectAsync(RawPacket.PubRec);
        await publisher.SendAsync(RawPackets.PubRel(8));
        var pubComp = await publisher.ExpectAsync(RawPacket.PubComp);

        await subscriber.ExpectAsync(RawPacket.Publish);
        var q2 = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
        await subscriber.SendAsync(RawPackets.PubRec(q2.PacketId));
        var pubRel = await subscriber.ExpectAsync(RawPacket.PubRel);

        Assert.Equal(new[] { 7, 8, 8, (int)q2.PacketId }, new[] { pubAck, pubRec, pubComp, pubRel }.Select(p => (int)p.PacketId));
        Assert.All(new[] { pubAck, pubRec, pubComp, pubRel }, p => Assert.Equal(2, p.Body.Length));
    }

    [Fact]
    public async Task A_non_zero_reason_code_is_sent_without_a_property_length()
    {
        await using var publisher = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await publisher.SendAsync(RawPackets.Publish(Unique.Topic(), "nobody", qos: 1, packetId: 3, v5: true));

        var pubAck = await publisher.ExpectAsync(RawPacket.PubAck);
        Assert.Equal(new byte[] { 0x00, 0x03, 0x10 }, pubAck.Body); // 0x10 No matching subscribers, section 3.4.2.2.1
    }

    [Fact]
    public async Task A_refusing_SUBACK_explains_itself_unless_the_client_asked_for_no_problem_information_MQTT_3_1_2_29()
    {
        await using var curious = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        await using var quiet = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(),
            properties: [RawPackets.ByteProperty(MqttProperties.RequestProblemInformation, 0)]);

        await curious.SendAsync(RawPackets.Subscribe(1, true, ("a/#/b", 1)));
        await quiet.SendAsync(RawPackets.Subscribe(1, true, ("a/#/b", 1)));

        var explained = await curious.ExpectAsync(RawPacket.SubAck);
        Assert.Equal(new byte[] { 0x8F }, explained.AckReasonCodes(v5: true));
        Assert.NotNull(MqttProperties.Read(explained.Body, 2, out _).Text(MqttProperties.ReasonString));
        var bare = await quiet.ExpectAsync(RawPacket.SubAck);
        Assert.Equal(new byte[] { 0x00, 0x01, 0x00, 0x8F }, bare.Body); // packet id, property length 0, reason code
    }
}
