using System.Buffers;
using BenchmarkDotNet.Attributes;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Benchmarks;

/// <summary>CONNECT decode and encode in 3.1.1 and 5.0 (5.0 with a few properties and a will).</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class CodecConnectBenchmarks
{
    private readonly ArrayBufferWriter<byte> _writer = new(1024);
    private ConnectPacket _packet = null!;
    private ReadOnlySequence<byte> _frame;

    [Params(ProtocolVersion.V311, ProtocolVersion.V500)]
    public ProtocolVersion Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var v5 = Version == ProtocolVersion.V500;
        _packet = new ConnectPacket
        {
            ProtocolVersion = Version,
            ClientId = "sensor-0042",
            CleanSession = true,
            KeepAlive = 60,
            Username = "device",
            Password = "secret-password"u8.ToArray(),
            Will = new WillMessage { Topic = "devices/sensor-0042/status", Payload = "offline"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, Retain = true },
            SessionExpiryInterval = v5 ? 3600u : null,
            ReceiveMaximum = v5 ? (ushort)100 : null,
            TopicAliasMaximum = v5 ? (ushort)16 : null,
        };
        MqttPacketEncoder.Encode(_packet, Version, _writer);
        _frame = new ReadOnlySequence<byte>(_writer.WrittenSpan.ToArray());
    }

    [Benchmark]
    public MqttPacket? Decode() => new MqttPacketDecoder().Decode(_frame).Packet;

    [Benchmark]
    public int Encode()
    {
        _writer.ResetWrittenCount();
        MqttPacketEncoder.Encode(_packet, Version, _writer);
        return _writer.WrittenCount;
    }
}
