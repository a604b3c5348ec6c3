using System.Buffers;
using BenchmarkDotNet.Attributes;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Benchmarks;

/// <summary>
/// PUBLISH decode and encode, QoS 0 and 1, 64 B and 4 KiB payloads, 3.1.1 and 5.0 (5.0 with Payload
/// Format Indicator, Message Expiry Interval and Topic Alias). Targets: decode of 64 B at most 150 ns,
/// encode at most 100 ns, nothing allocated beyond the packet when decoding (the topic string too
/// when the topic name cache is off), nothing at all when encoding.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class CodecPublishBenchmarks
{
    private readonly ArrayBufferWriter<byte> _writer = new(8192);
    private MqttPacketDecoder _decoder = null!;
    private MqttPacketDecoder _decoderWithoutTopicCache = null!;
    private PublishPacket _packet = null!;
    private ReadOnlySequence<byte> _frame;

    [Params(ProtocolVersion.V311, ProtocolVersion.V500)]
    public ProtocolVersion Version { get; set; }

    [Params(QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce)]
    public QualityOfService QoS { get; set; }

    [Params(64, 4096)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var payload = new byte[PayloadSize];
        new Random(1).NextBytes(payload);
        _packet = new PublishPacket
        {
            Topic = "devices/sensor-0042/telemetry",
            QoS = QoS,
            PacketId = QoS == QualityOfService.AtMostOnce ? (ushort)0 : (ushort)4242,
            Payload = payload,
            PayloadFormatIndicator = Version == ProtocolVersion.V500 ? (byte)0 : null,
            MessageExpiryInterval = Version == ProtocolVersion.V500 ? 3600u : null,
            TopicAlias = Version == ProtocolVersion.V500 ? (ushort)7 : null,
        };
        MqttPacketEncoder.Encode(_packet, Version, _writer);
        _frame = new ReadOnlySequence<byte>(_writer.WrittenSpan.ToArray());
        _decoder = new MqttPacketDecoder { ProtocolVersion = Version };
        _decoderWithoutTopicCache = new MqttPacketDecoder { ProtocolVersion = Version, TopicNameCacheSize = 0 };
    }

    /// <summary>Decoding with the per-connection topic name cache (the default): the repeated topic is not allocated again.</summary>
    [Benchmark]
    public MqttPacket? Decode() => _decoder.Decode(_frame).Packet;

    /// <summary>Decoding with the topic name cache off: every PUBLISH allocates its topic string.</summary>
    [Benchmark]
    public MqttPacket? DecodeWithoutTopicCache() => _decoderWithoutTopicCache.Decode(_frame).Packet;

    [Benchmark]
    public int Encode()
    {
        _writer.ResetWrittenCount();
        MqttPacketEncoder.Encode(_packet, Version, _writer);
        return _writer.WrittenCount;
    }

    [Benchmark]
    public int EncodeHeader()
    {
        _writer.ResetWrittenCount();
        return MqttPacketEncoder.EncodePublishHeader(_packet, Version, _writer);
    }
}
