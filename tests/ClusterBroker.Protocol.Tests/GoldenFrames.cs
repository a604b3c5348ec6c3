using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>One frame written by hand from the specification, and the packet it stands for.</summary>
/// <param name="Canonical">Whether the encoder writes exactly these bytes for <paramref name="Packet"/>.</param>
public sealed record GoldenFrame(string Name, ProtocolVersion Version, byte[] Bytes, MqttPacket Packet, bool Canonical = true)
{
    public override string ToString() => Name;
}

/// <summary>
/// Golden byte sequences for every control packet in MQTT 3.1 (MQIsdp, level 3), 3.1.1 (level 4) and
/// 5.0 (level 5), written by hand from the specifications; each line is commented with its meaning.
/// </summary>
public static class GoldenFrames
{
    private static readonly UserProperty s_kv = new("k", "v");

    public static IReadOnlyList<GoldenFrame> All { get; } = Build();

    public static IEnumerable<object[]> Cases()
    {
        foreach (var frame in All)
        {
            yield return [frame];
        }
    }

    private static List<GoldenFrame> Build()
    {
        var frames = new List<GoldenFrame>();
        AddV310(frames);
        AddV311(frames);
        AddV500(frames);
        return frames;
    }

    private static void AddV310(List<GoldenFrame> frames)
    {
        const ProtocolVersion v = ProtocolVersion.V310;
        frames.Add(new("3.1 CONNECT with user name and password", v, Hex(
            "10 1E" +                    // CONNECT, remaining length 30
            "00 06 4D 51 49 73 64 70" +  // protocol name "MQIsdp"
            "03" +                       // protocol version 3
            "C2" +                       // flags: user name, password, clean session
            "00 0A" +                    // keep alive 10 s
            "00 04 63 6C 69 31" +        // client id "cli1"
            "00 04 75 73 65 72" +        // user name "user"
            "00 04 70 61 73 73"),        // password "pass"
            new ConnectPacket { ProtocolVersion = v, ClientId = "cli1", CleanSession = true, KeepAlive = 10, Username = "user", Password = "pass"u8.ToArray() }));
        frames.Add(new("3.1 CONNECT of a bridge", v, Hex(
            "10 11" +                    // CONNECT, remaining length 17
            "00 06 4D 51 49 73 64 70" +  // protocol name "MQIsdp"
            "83" +                       // protocol version 3 with the bridge bit 0x80
            "02" +                       // clean session
            "00 0A" +                    // keep alive 10 s
            "00 03 62 72 31"),           // client id "br1"
            new ConnectPacket { ProtocolVersion = v, ClientId = "br1", CleanSession = true, KeepAlive = 10, IsBridge = true }));
        frames.Add(new("3.1 CONNACK not authorized", v, Hex(
            "20 02" +                    // CONNACK, remaining length 2
            "00" +                       // reserved (3.1 has no Session Present)
            "05"),                       // return code 5: not authorized
            new ConnAckPacket { ReasonCode = ReasonCode.NotAuthorized }));
        frames.Add(new("3.1 PUBLISH QoS 1 retained", v, Hex(
            "33 09" +                    // PUBLISH, QoS 1, RETAIN; remaining length 9
            "00 03 61 2F 62" +           // topic "a/b"
            "00 0A" +                    // message id 10
            "68 69"),                    // payload "hi"
            new PublishPacket { Topic = "a/b", QoS = QualityOfService.AtLeastOnce, Retain = true, PacketId = 10, Payload = "hi"u8.ToArray() }));
        frames.Add(new("3.1 PUBACK", v, Hex("40 02 00 0A"), new PubAckPacket { PacketId = 10 })); // PUBACK, length 2, message id 10
        frames.Add(new("3.1 PUBREC", v, Hex("50 02 00 0B"), new PubRecPacket { PacketId = 11 })); // PUBREC, length 2, message id 11
        frames.Add(new("3.1 PUBREL", v, Hex("62 02 00 0B"), new PubRelPacket { PacketId = 11 })); // PUBREL (QoS 1 bits), length 2, id 11
        frames.Add(new("3.1 PUBCOMP", v, Hex("70 02 00 0B"), new PubCompPacket { PacketId = 11 })); // PUBCOMP, length 2, id 11
        frames.Add(new("3.1 SUBSCRIBE two topics", v, Hex(
            "82 0C" +                    // SUBSCRIBE (QoS 1 bits), remaining length 12
            "00 01" +                    // message id 1
            "00 03 61 2F 23 02" +        // "a/#" requested QoS 2
            "00 01 62 00"),              // "b" requested QoS 0
            new SubscribePacket
            {
                PacketId = 1,
                Subscriptions = [new TopicSubscription { Filter = "a/#", MaximumQoS = QualityOfService.ExactlyOnce }, new TopicSubscription { Filter = "b" }],
            }));
        frames.Add(new("3.1 SUBACK", v, Hex(
            "90 04" +                    // SUBACK, remaining length 4
            "00 01" +                    // message id 1
            "02 00"),                    // granted QoS 2, granted QoS 0
            new SubAckPacket { PacketId = 1, ReasonCodes = [ReasonCode.GrantedQoS2, ReasonCode.GrantedQoS0] }));
        frames.Add(new("3.1 UNSUBSCRIBE", v, Hex(
            "A2 07" +                    // UNSUBSCRIBE (QoS 1 bits), remaining length 7
            "00 02" +                    // message id 2
            "00 03 61 2F 23"),           // "a/#"
            new UnsubscribePacket { PacketId = 2, Filters = ["a/#"] }));
        frames.Add(new("3.1 UNSUBACK", v, Hex("B0 02 00 02"), new UnsubAckPacket { PacketId = 2 })); // UNSUBACK, length 2, id 2
        frames.Add(new("3.1 PINGREQ", v, Hex("C0 00"), PingReqPacket.Instance));
        frames.Add(new("3.1 PINGRESP", v, Hex("D0 00"), PingRespPacket.Instance));
        frames.Add(new("3.1 DISCONNECT", v, Hex("E0 00"), DisconnectPacket.Normal));
    }

    private static void AddV311(List<GoldenFrame> frames)
    {
        const ProtocolVersion v = ProtocolVersion.V311;
        frames.Add(new("3.1.1 CONNECT with will, user name and password", v, Hex(
            "10 1D" +                    // CONNECT, remaining length 29
            "00 04 4D 51 54 54" +        // protocol name "MQTT"
            "04" +                       // protocol level 4
            "EE" +                       // flags: user name, password, will retain, will QoS 1, will, clean session
            "00 3C" +                    // keep alive 60 s
            "00 03 63 69 64" +           // client id "cid"
            "00 01 77" +                 // will topic "w"
            "00 02 AA BB" +              // will message AA BB
            "00 01 75" +                 // user name "u"
            "00 02 70 77"),              // password "pw"
            new ConnectPacket
            {
                ProtocolVersion = v,
                ClientId = "cid",
                CleanSession = true,
                KeepAlive = 60,
                Username = "u",
                Password = "pw"u8.ToArray(),
                Will = new WillMessage { Topic = "w", Payload = new byte[] { 0xAA, 0xBB }, QoS = QualityOfService.AtLeastOnce, Retain = true },
            }));
        frames.Add(new("3.1.1 CONNECT minimal with empty client id", v, Hex(
            "10 0C" +                    // CONNECT, remaining length 12
            "00 04 4D 51 54 54" +        // "MQTT"
            "04" +                       // level 4
            "02" +                       // clean session
            "00 00" +                    // keep alive 0
            "00 00"),                    // client id "" (allowed with clean session 1)
            new ConnectPacket { ProtocolVersion = v, ClientId = string.Empty, CleanSession = true }));
        frames.Add(new("3.1.1 CONNECT of a bridge (Mosquitto try_private)", v, Hex(
            "10 0F" +                    // CONNECT, remaining length 15
            "00 04 4D 51 54 54" +        // "MQTT"
            "84" +                       // level 4 with the bridge bit 0x80
            "00" +                       // clean session 0
            "00 3C" +                    // keep alive 60 s
            "00 03 62 72 31"),           // client id "br1"
            new ConnectPacket { ProtocolVersion = v, ClientId = "br1", KeepAlive = 60, IsBridge = true }));
        frames.Add(new("3.1.1 CONNACK session present", v, Hex(
            "20 02" +                    // CONNACK, remaining length 2
            "01" +                       // Session Present
            "00"),                       // return code 0: accepted
            new ConnAckPacket { SessionPresent = true, ReasonCode = ReasonCode.Success }));
        frames.Add(new("3.1.1 CONNACK bad user name or password", v, Hex(
            "20 02" +                    // CONNACK, remaining length 2
            "00" +                       // no session
            "04"),                       // return code 4: bad user name or password
            new ConnAckPacket { ReasonCode = ReasonCode.BadUserNameOrPassword }));
        frames.Add(new("3.1.1 PUBLISH QoS 0", v, Hex(
            "30 08" +                    // PUBLISH QoS 0, remaining length 8
            "00 03 61 2F 62" +           // topic "a/b"
            "01 02 03"),                 // payload (no packet identifier at QoS 0)
            new PublishPacket { Topic = "a/b", Payload = new byte[] { 1, 2, 3 } }));
        frames.Add(new("3.1.1 PUBLISH QoS 2 DUP empty payload", v, Hex(
            "3C 05" +                    // PUBLISH DUP, QoS 2; remaining length 5
            "00 01 74" +                 // topic "t"
            "12 34"),                    // packet identifier 0x1234, empty payload
            new PublishPacket { Topic = "t", QoS = QualityOfService.ExactlyOnce, Dup = true, PacketId = 0x1234 }));
        frames.Add(new("3.1.1 PUBLISH with a two-byte remaining length", v, Hex(
            "30 CB 01" +                 // PUBLISH QoS 0, remaining length 203 = 0x4B + 1*128
            "00 01 74" +                 // topic "t"
            string.Concat(Enumerable.Repeat("55", 200))), // 200 payload bytes
            new PublishPacket { Topic = "t", Payload = Enumerable.Repeat((byte)0x55, 200).ToArray() }));
        frames.Add(new("3.1.1 PUBACK", v, Hex("40 02 12 34"), new PubAckPacket { PacketId = 0x1234 }));   // PUBACK, length 2, id 0x1234
        frames.Add(new("3.1.1 PUBREC", v, Hex("50 02 12 34"), new PubRecPacket { PacketId = 0x1234 }));   // PUBREC
        frames.Add(new("3.1.1 PUBREL", v, Hex("62 02 12 34"), new PubRelPacket { PacketId = 0x1234 }));   // PUBREL, flags 0010
        frames.Add(new("3.1.1 PUBCOMP", v, Hex("70 02 12 34"), new PubCompPacket { PacketId = 0x1234 })); // PUBCOMP
        frames.Add(new("3.1.1 SUBSCRIBE", v, Hex(
            "82 08" +                    // SUBSCRIBE, flags 0010, remaining length 8
            "00 0A" +                    // packet identifier 10
            "00 03 61 2F 2B 01"),        // "a/+" requested QoS 1
            new SubscribePacket { PacketId = 10, Subscriptions = [new TopicSubscription { Filter = "a/+", MaximumQoS = QualityOfService.AtLeastOnce }] }));
        frames.Add(new("3.1.1 SUBACK with a failure", v, Hex(
            "90 05" +                    // SUBACK, remaining length 5
            "00 0A" +                    // packet identifier 10
            "00 01 80"),                 // granted QoS 0, granted QoS 1, failure
            new SubAckPacket { PacketId = 10, ReasonCodes = [ReasonCode.GrantedQoS0, ReasonCode.GrantedQoS1, ReasonCode.UnspecifiedError] }));
        frames.Add(new("3.1.1 UNSUBSCRIBE two filters", v, Hex(
            "A2 0A" +                    // UNSUBSCRIBE, flags 0010, remaining length 10
            "00 0B" +                    // packet identifier 11
            "00 03 61 2F 2B" +           // "a/+"
            "00 01 62"),                 // "b"
            new UnsubscribePacket { PacketId = 11, Filters = ["a/+", "b"] }));
        frames.Add(new("3.1.1 UNSUBACK", v, Hex("B0 02 00 0B"), new UnsubAckPacket { PacketId = 11 })); // UNSUBACK, id 11
        frames.Add(new("3.1.1 PINGREQ", v, Hex("C0 00"), PingReqPacket.Instance));
        frames.Add(new("3.1.1 PINGRESP", v, Hex("D0 00"), PingRespPacket.Instance));
        frames.Add(new("3.1.1 DISCONNECT", v, Hex("E0 00"), DisconnectPacket.Normal));
    }

    private static void AddV500(List<GoldenFrame> frames)
    {
        const ProtocolVersion v = ProtocolVersion.V500;
        frames.Add(new("5.0 CONNECT with every CONNECT and Will property", v, Hex(
            "10 65" +                    // CONNECT, remaining length 101
            "00 04 4D 51 54 54" +        // "MQTT"
            "05" +                       // protocol version 5
            "D6" +                       // flags: user name, password, will QoS 2, will, clean start
            "00 1E" +                    // keep alive 30 s
            "27" +                       // property length 39
            "11 00 00 0E 10" +           //   Session Expiry Interval 3600
            "21 00 14" +                 //   Receive Maximum 20
            "27 00 01 00 00" +           //   Maximum Packet Size 65536
            "22 00 0A" +                 //   Topic Alias Maximum 10
            "19 01" +                    //   Request Response Information 1
            "17 00" +                    //   Request Problem Information 0
            "26 00 01 6B 00 01 76" +     //   User Property k=v
            "15 00 04 53 43 52 4D" +     //   Authentication Method "SCRM"
            "16 00 02 01 02" +           //   Authentication Data 01 02
            "00 02 63 35" +              // client id "c5"
            "22" +                       // will property length 34
            "18 00 00 00 05" +           //   Will Delay Interval 5
            "01 01" +                    //   Payload Format Indicator 1 (UTF-8)
            "02 00 00 00 3C" +           //   Message Expiry Interval 60
            "03 00 04 74 65 78 74" +     //   Content Type "text"
            "08 00 01 72" +              //   Response Topic "r"
            "09 00 01 FF" +              //   Correlation Data FF
            "26 00 01 61 00 01 62" +     //   User Property a=b
            "00 01 77" +                 // will topic "w"
            "00 01 6F" +                 // will payload "o"
            "00 01 75" +                 // user name "u"
            "00 01 70"),                 // password "p"
            new ConnectPacket
            {
                ProtocolVersion = v,
                ClientId = "c5",
                CleanSession = true,
                KeepAlive = 30,
                Username = "u",
                Password = "p"u8.ToArray(),
                SessionExpiryInterval = 3600,
                ReceiveMaximum = 20,
                MaximumPacketSize = 65536,
                TopicAliasMaximum = 10,
                RequestResponseInformation = true,
                RequestProblemInformation = false,
                UserProperties = [s_kv],
                AuthenticationMethod = "SCRM",
                AuthenticationData = new byte[] { 1, 2 },
                Will = new WillMessage
                {
                    Topic = "w",
                    Payload = "o"u8.ToArray(),
                    QoS = QualityOfService.ExactlyOnce,
                    WillDelayInterval = 5,
                    PayloadFormatIndicator = 1,
                    MessageExpiryInterval = 60,
                    ContentType = "text",
                    ResponseTopic = "r",
                    CorrelationData = new byte[] { 0xFF },
                    UserProperties = [new UserProperty("a", "b")],
                },
            }));
        frames.Add(new("5.0 CONNACK with every CONNACK property", v, Hex(
            "20 43" +                    // CONNACK, remaining length 67
            "01" +                       // Session Present
            "00" +                       // reason code Success
            "40" +                       // property length 64
            "11 00 00 00 78" +           //   Session Expiry Interval 120
            "21 00 0A" +                 //   Receive Maximum 10
            "24 01" +                    //   Maximum QoS 1
            "25 00" +                    //   Retain Available 0
            "27 00 00 10 00" +           //   Maximum Packet Size 4096
            "12 00 02 69 64" +           //   Assigned Client Identifier "id"
            "22 00 05" +                 //   Topic Alias Maximum 5
            "1F 00 02 6F 6B" +           //   Reason String "ok"
            "26 00 01 6B 00 01 76" +     //   User Property k=v
            "28 01" +                    //   Wildcard Subscription Available 1
            "29 00" +                    //   Subscription Identifier Available 0
            "2A 01" +                    //   Shared Subscription Available 1
            "13 00 3C" +                 //   Server Keep Alive 60
            "1A 00 02 72 69" +           //   Response Information "ri"
            "1C 00 02 73 72" +           //   Server Reference "sr"
            "15 00 01 4D" +              //   Authentication Method "M"
            "16 00 01 00"),              //   Authentication Data 00
            new ConnAckPacket
            {
                SessionPresent = true,
                ReasonCode = ReasonCode.Success,
                SessionExpiryInterval = 120,
                ReceiveMaximum = 10,
                MaximumQoS = QualityOfService.AtLeastOnce,
                RetainAvailable = false,
                MaximumPacketSize = 4096,
                AssignedClientIdentifier = "id",
                TopicAliasMaximum = 5,
                ReasonString = "ok",
                UserProperties = [s_kv],
                WildcardSubscriptionAvailable = true,
                SubscriptionIdentifiersAvailable = false,
                SharedSubscriptionAvailable = true,
                ServerKeepAlive = 60,
                ResponseInformation = "ri",
                ServerReference = "sr",
                AuthenticationMethod = "M",
                AuthenticationData = new byte[] { 0 },
            }));
        frames.Add(new("5.0 CONNACK not authorized", v, Hex(
            "20 03" +                    // CONNACK, remaining length 3
            "00" +                       // no session
            "87" +                       // reason code 0x87 Not authorized
            "00"),                       // property length 0
            new ConnAckPacket { ReasonCode = ReasonCode.NotAuthorized }));
        frames.Add(new("5.0 PUBLISH QoS 1 with every PUBLISH property", v, Hex(
            "32 2D" +                    // PUBLISH QoS 1, remaining length 45
            "00 03 61 2F 62" +           // topic "a/b"
            "00 05" +                    // packet identifier 5
            "23" +                       // property length 35
            "01 01" +                    //   Payload Format Indicator 1
            "02 00 00 00 0A" +           //   Message Expiry Interval 10
            "23 00 03" +                 //   Topic Alias 3
            "08 00 01 72" +              //   Response Topic "r"
            "09 00 02 01 02" +           //   Correlation Data 01 02
            "26 00 01 6B 00 01 76" +     //   User Property k=v
            "0B 01" +                    //   Subscription Identifier 1
            "0B 80 01" +                 //   Subscription Identifier 128 (two-byte VBI)
            "03 00 01 74" +              //   Content Type "t"
            "68 69"),                    // payload "hi"
            new PublishPacket
            {
                Topic = "a/b",
                QoS = QualityOfService.AtLeastOnce,
                PacketId = 5,
                PayloadFormatIndicator = 1,
                MessageExpiryInterval = 10,
                TopicAlias = 3,
                ResponseTopic = "r",
                CorrelationData = new byte[] { 1, 2 },
                UserProperties = [s_kv],
                SubscriptionIdentifiers = [1u, 128u],
                ContentType = "t",
                Payload = "hi"u8.ToArray(),
            }));
        frames.Add(new("5.0 PUBLISH with a Topic Alias and an empty topic", v, Hex(
            "30 07" +                    // PUBLISH QoS 0, remaining length 7
            "00 00" +                    // topic "" (the alias stands for it)
            "03" +                       // property length 3
            "23 00 01" +                 //   Topic Alias 1
            "7A"),                       // payload "z"
            new PublishPacket { Topic = string.Empty, TopicAlias = 1, Payload = "z"u8.ToArray() }));
        frames.Add(new("5.0 PUBLISH QoS 0 without properties", v, Hex(
            "31 04" +                    // PUBLISH QoS 0 RETAIN, remaining length 4
            "00 01 74" +                 // topic "t"
            "00"),                       // property length 0, empty payload
            new PublishPacket { Topic = "t", Retain = true }));
        frames.Add(new("5.0 PUBACK short form (Success)", v, Hex("40 02 00 01"), new PubAckPacket { PacketId = 1 })); // remaining length 2: Success, no properties
        frames.Add(new("5.0 PUBACK reason code without properties", v, Hex(
            "40 03" +                    // PUBACK, remaining length 3
            "00 01" +                    // packet identifier 1
            "10"),                       // 0x10 No matching subscribers; property length omitted
            new PubAckPacket { PacketId = 1, ReasonCode = ReasonCode.NoMatchingSubscribers }));
        frames.Add(new("5.0 PUBACK with a Reason String", v, Hex(
            "40 09" +                    // PUBACK, remaining length 9
            "00 01" +                    // packet identifier 1
            "80" +                       // 0x80 Unspecified error
            "05" +                       // property length 5
            "1F 00 02 6E 6F"),           //   Reason String "no"
            new PubAckPacket { PacketId = 1, ReasonCode = ReasonCode.UnspecifiedError, ReasonString = "no" }));
        frames.Add(new("5.0 PUBACK Success with an explicit zero property length", v, Hex(
            "40 04" +                    // PUBACK, remaining length 4
            "00 01" +                    // packet identifier 1
            "00" +                       // Success
            "00"),                       // property length 0 (the encoder uses the short form instead)
            new PubAckPacket { PacketId = 1 }, Canonical: false));
        frames.Add(new("5.0 PUBREC packet identifier in use", v, Hex(
            "50 03" +                    // PUBREC, remaining length 3
            "00 02" +                    // packet identifier 2
            "91"),                       // 0x91 Packet Identifier in use
            new PubRecPacket { PacketId = 2, ReasonCode = ReasonCode.PacketIdentifierInUse }));
        frames.Add(new("5.0 PUBREC short form", v, Hex("50 02 00 02"), new PubRecPacket { PacketId = 2 })); // remaining length 2: Success, no properties (3.5.2.1)
        frames.Add(new("5.0 PUBREL short form", v, Hex("62 02 00 02"), new PubRelPacket { PacketId = 2 })); // PUBREL, flags 0010, Success
        frames.Add(new("5.0 PUBCOMP short form", v, Hex("70 02 00 02"), new PubCompPacket { PacketId = 2 })); // remaining length 2: Success, no properties (3.7.2.1)
        frames.Add(new("5.0 PUBREL packet identifier not found", v, Hex(
            "62 03" +                    // PUBREL flags 0010, remaining length 3
            "00 02" +                    // packet identifier 2
            "92"),                       // 0x92 Packet Identifier not found
            new PubRelPacket { PacketId = 2, ReasonCode = ReasonCode.PacketIdentifierNotFound }));
        frames.Add(new("5.0 PUBCOMP with a User Property", v, Hex(
            "70 0B" +                    // PUBCOMP, remaining length 11
            "00 02" +                    // packet identifier 2
            "00" +                       // Success
            "07" +                       // property length 7
            "26 00 01 6B 00 01 76"),     //   User Property k=v
            new PubCompPacket { PacketId = 2, UserProperties = [s_kv] }));
        frames.Add(new("5.0 SUBSCRIBE with options and a Subscription Identifier", v, Hex(
            "82 16" +                    // SUBSCRIBE flags 0010, remaining length 22
            "00 0C" +                    // packet identifier 12
            "09" +                       // property length 9
            "0B 05" +                    //   Subscription Identifier 5
            "26 00 01 6B 00 01 76" +     //   User Property k=v
            "00 03 61 2F 23" +           // filter "a/#"
            "2D" +                       //   options: Retain Handling 2, Retain As Published, No Local, QoS 1
            "00 01 62" +                 // filter "b"
            "12"),                       //   options: Retain Handling 1, QoS 2
            new SubscribePacket
            {
                PacketId = 12,
                SubscriptionIdentifier = 5,
                UserProperties = [s_kv],
                Subscriptions =
                [
                    new TopicSubscription { Filter = "a/#", MaximumQoS = QualityOfService.AtLeastOnce, NoLocal = true, RetainAsPublished = true, RetainHandling = RetainHandling.DoNotSend },
                    new TopicSubscription { Filter = "b", MaximumQoS = QualityOfService.ExactlyOnce, RetainHandling = RetainHandling.SendAtSubscribeIfNew },
                ],
            }));
        frames.Add(new("5.0 SUBACK with a Reason String", v, Hex(
            "90 0B" +                    // SUBACK, remaining length 11
            "00 0C" +                    // packet identifier 12
            "04" +                       // property length 4
            "1F 00 01 78" +              //   Reason String "x"
            "01 02 8F A1"),              // Granted QoS 1, Granted QoS 2, Topic Filter invalid, Subscription Identifiers not supported
            new SubAckPacket
            {
                PacketId = 12,
                ReasonString = "x",
                ReasonCodes = [ReasonCode.GrantedQoS1, ReasonCode.GrantedQoS2, ReasonCode.TopicFilterInvalid, ReasonCode.SubscriptionIdentifiersNotSupported],
            }));
        frames.Add(new("5.0 UNSUBSCRIBE", v, Hex(
            "A2 08" +                    // UNSUBSCRIBE flags 0010, remaining length 8
            "00 0D" +                    // packet identifier 13
            "00" +                       // property length 0
            "00 03 61 2F 23"),           // filter "a/#"
            new UnsubscribePacket { PacketId = 13, Filters = ["a/#"] }));
        frames.Add(new("5.0 UNSUBACK", v, Hex(
            "B0 05" +                    // UNSUBACK, remaining length 5
            "00 0D" +                    // packet identifier 13
            "00" +                       // property length 0
            "00 11"),                    // Success, No subscription existed
            new UnsubAckPacket { PacketId = 13, ReasonCodes = [ReasonCode.Success, ReasonCode.NoSubscriptionExisted] }));
        frames.Add(new("5.0 PINGREQ", v, Hex("C0 00"), PingReqPacket.Instance));
        frames.Add(new("5.0 PINGRESP", v, Hex("D0 00"), PingRespPacket.Instance));
        frames.Add(new("5.0 DISCONNECT short form (Normal disconnection)", v, Hex("E0 00"), DisconnectPacket.Normal)); // remaining length 0
        frames.Add(new("5.0 DISCONNECT reason code only", v, Hex(
            "E0 01" +                    // DISCONNECT, remaining length 1
            "04"),                       // 0x04 Disconnect with Will Message; property length omitted
            new DisconnectPacket { ReasonCode = ReasonCode.DisconnectWithWillMessage }));
        frames.Add(new("5.0 DISCONNECT with properties", v, Hex(
            "E0 0F" +                    // DISCONNECT, remaining length 15
            "8E" +                       // 0x8E Session taken over
            "0D" +                       // property length 13
            "11 00 00 00 00" +           //   Session Expiry Interval 0
            "1F 00 01 78" +              //   Reason String "x"
            "1C 00 01 73"),              //   Server Reference "s"
            new DisconnectPacket { ReasonCode = ReasonCode.SessionTakenOver, SessionExpiryInterval = 0, ReasonString = "x", ServerReference = "s" }));
        frames.Add(new("5.0 AUTH short form (Success)", v, Hex("F0 00"), new AuthPacket())); // remaining length 0
        frames.Add(new("5.0 AUTH continue authentication", v, Hex(
            "F0 0E" +                    // AUTH, remaining length 14
            "18" +                       // 0x18 Continue authentication
            "0C" +                       // property length 12
            "15 00 04 53 43 52 4D" +     //   Authentication Method "SCRM"
            "16 00 02 AB CD"),           //   Authentication Data AB CD
            new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = "SCRM", AuthenticationData = new byte[] { 0xAB, 0xCD } }));
    }
}
