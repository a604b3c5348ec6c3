using System.Buffers;
using BenchmarkDotNet.Attributes;
using ClusterBroker.Core.Channel;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Benchmarks;

/// <summary>
/// Server-to-client topic aliases on the delivery path: <see cref="OutgoingTopicAliases.Get"/> per PUBLISH (64 aliases,
/// 1024 calls per invoke cycling over <see cref="Topics"/> distinct topics: 16 = every call a hit, 1024 = every call a
/// miss that reassigns the least recently used alias), and the 5.0 PUBLISH header encoded with a 200-character topic
/// versus with the alias alone.
/// </summary>
[MemoryDiagnoser]
public class TopicAliasBenchmarks
{
    private const int CallsPerInvoke = 1024;

    private readonly ArrayBufferWriter<byte> _output = new(512);
    private string[] _sequence = [];
    private OutgoingTopicAliases _aliases = new(64);
    private PublishPacket _withTopic = null!;
    private PublishPacket _aliasOnly = null!;

    [Params(16, 1024)]
    public int Topics { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string[] topics = Enumerable.Range(0, Topics).Select(i => $"fleet/{new string('x', 180)}/device/{i}").ToArray();
        _sequence = Enumerable.Range(0, CallsPerInvoke).Select(i => topics[i % Topics]).ToArray();
        _aliases = new OutgoingTopicAliases(64);
        byte[] payload = new byte[64];
        _withTopic = new PublishPacket { Topic = topics[0], TopicAlias = 1, Payload = payload, QoS = QualityOfService.AtLeastOnce, PacketId = 7 };
        _aliasOnly = _withTopic with { Topic = string.Empty };
    }

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public int Get()
    {
        int sum = 0;
        string[] sequence = _sequence;
        for (int i = 0; i < sequence.Length; i++)
        {
            sum += _aliases.Get(sequence[i], out _);
        }

        return sum;
    }

    [Benchmark]
    public int EncodeHeaderWithTopic()
    {
        _output.ResetWrittenCount();
        return MqttPacketEncoder.EncodePublishHeader(_withTopic, ProtocolVersion.V500, _output);
    }

    [Benchmark]
    public int EncodeHeaderWithAliasOnly()
    {
        _output.ResetWrittenCount();
        return MqttPacketEncoder.EncodePublishHeader(_aliasOnly, ProtocolVersion.V500, _output);
    }
}
