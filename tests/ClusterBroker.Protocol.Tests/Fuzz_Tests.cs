using System.Buffers;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>
/// Seeded fuzzing: random and mutated frames never make the decoder throw or read outside its input;
/// it always answers with a packet, a request for more data, or a violation, and answers the same
/// whether the input is one segment or several. Decoded packets re-encode to frames that decode equal.
/// </summary>
public class Fuzz_Tests
{
    private const int Iterations = 200_000;
    private static readonly ProtocolVersion?[] s_versions = [null, ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500];

    [Fact]
    public void Random_and_mutated_frames_only_ever_give_a_packet_more_data_or_a_violation()
    {
        var random = new Random(20261123);
        var corpus = BuildCorpus(random);
        var counts = new int[3];
        for (var i = 0; i < Iterations; i++)
        {
            var (frame, version) = i % 10 == 0 ? RandomFrame(random) : Mutate(random, corpus[random.Next(corpus.Count)]);
            if (random.Next(8) == 0)
            {
                version = s_versions[random.Next(s_versions.Length)];
            }

            var maximum = random.Next(10) == 0 ? random.Next(2, 64) : MqttPacketDecoder.MaximumPossiblePacketSize;
            var status = Check(frame, version, maximum, random, i);
            counts[(int)status]++;
        }

        // The corpus should exercise all three outcomes substantially.
        Assert.All(counts, count => Assert.True(count > Iterations / 50, $"outcomes: {string.Join(", ", counts)}"));
    }

    private static DecodeStatus Check(byte[] frame, ProtocolVersion? version, int maximum, Random random, int iteration)
    {
        // Place the frame inside a larger array so that reading past its end would be visible as wrong data,
        // and reading outside the array as an exception.
        var padded = new byte[frame.Length + 16];
        Array.Fill(padded, (byte)0xEE);
        frame.CopyTo(padded, 8);
        var single = new ReadOnlySequence<byte>(padded, 8, frame.Length);
        DecodeResult whole;
        DecodeResult split;
        try
        {
            whole = new MqttPacketDecoder(maximum) { ProtocolVersion = version }.Decode(single);
            split = new MqttPacketDecoder(maximum) { ProtocolVersion = version }.Decode(RandomSegments(frame, random));
        }
        catch (Exception e)
        {
            Assert.Fail($"#{iteration}: the decoder threw {e.GetType().Name} for {Convert.ToHexString(frame)} (version {version}): {e.Message}");
            throw;
        }

        AssertWellFormed(whole, frame, maximum, iteration);
        if (whole.Status != split.Status)
        {
            Assert.Fail($"#{iteration}: one segment gave {whole}, several gave {split} for {Convert.ToHexString(frame)}");
        }

        switch (whole.Status)
        {
            case DecodeStatus.Violation:
                Assert.Equal(whole.Violation!.Rule, split.Violation!.Rule);
                break;
            case DecodeStatus.Packet:
                Assert.Equal(whole.BytesConsumed, split.BytesConsumed);
                var difference = PacketAssert.FindDifference(whole.Packet, split.Packet, "packet");
                if (difference is not null)
                {
                    Assert.Fail($"#{iteration}: {difference} for {Convert.ToHexString(frame)}");
                }

                ReencodeAndCompare(whole.Packet!, version, iteration, frame);
                break;
            default:
                Assert.Equal(whole.FrameLength, split.FrameLength);
                break;
        }

        return whole.Status;
    }

    private static void AssertWellFormed(DecodeResult result, byte[] frame, int maximum, int iteration)
    {
        switch (result.Status)
        {
            case DecodeStatus.Packet:
                Assert.NotNull(result.Packet);
                Assert.Null(result.Violation);
                Assert.InRange(result.BytesConsumed, 2, Math.Min(frame.Length, maximum));
                break;
            case DecodeStatus.Violation:
                Assert.NotNull(result.Violation);
                Assert.Null(result.Packet);
                Assert.Equal(0, result.BytesConsumed);
                Assert.StartsWith("MQTT-", result.Violation!.Rule);
                Assert.False(string.IsNullOrEmpty(result.Violation.Message));
                break;
            case DecodeStatus.NeedMoreData:
                Assert.Null(result.Packet);
                Assert.Null(result.Violation);
                if (result.FrameLength is { } length && (length <= frame.Length || length > maximum))
                {
                    Assert.Fail($"#{iteration}: frame length {length} for {frame.Length} bytes");
                }

                break;
            default:
                Assert.Fail($"#{iteration}: unknown status {result.Status}");
                break;
        }
    }

    private static void ReencodeAndCompare(MqttPacket packet, ProtocolVersion? version, int iteration, byte[] original)
    {
        var encodeVersion = packet is ConnectPacket connect ? connect.ProtocolVersion : version!.Value;
        var frame = Encode(packet, encodeVersion);
        var again = NewDecoder(packet is ConnectPacket ? null : encodeVersion).Decode(new ReadOnlySequence<byte>(frame));
        if (again.Status != DecodeStatus.Packet)
        {
            Assert.Fail($"#{iteration}: re-encoding {Convert.ToHexString(original)} gave {Convert.ToHexString(frame)}, which decodes to {again}");
        }

        var difference = PacketAssert.FindDifference(packet, again.Packet, "packet");
        if (difference is not null)
        {
            Assert.Fail($"#{iteration}: {difference}");
        }
    }

    private static List<(byte[] Frame, ProtocolVersion? Version)> BuildCorpus(Random random)
    {
        var corpus = new List<(byte[], ProtocolVersion?)>();
        foreach (var golden in GoldenFrames.All)
        {
            corpus.Add((golden.Bytes, golden.Packet is ConnectPacket ? null : golden.Version));
        }

        foreach (var version in new[] { ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500 })
        {
            var generator = new PacketGenerator(random, version);
            foreach (var type in Enum.GetValues<PacketType>())
            {
                if (type == PacketType.Auth && version != ProtocolVersion.V500)
                {
                    continue;
                }

                for (var i = 0; i < 20; i++)
                {
                    var packet = generator.Next(type);
                    if (packet is PublishPacket { Payload.Length: > 256 })
                    {
                        continue; // keep the fuzz frames small so mutations hit headers and properties
                    }

                    corpus.Add((Encode(packet, version), type == PacketType.Connect ? null : version));
                }
            }
        }

        return corpus;
    }

    private static (byte[], ProtocolVersion?) RandomFrame(Random random)
    {
        var frame = new byte[random.Next(0, 40)];
        random.NextBytes(frame);
        if (frame.Length > 1 && random.Next(2) == 0)
        {
            frame[1] = (byte)(frame.Length - 2 > 127 ? 127 : frame.Length - 2); // a plausible remaining length
        }

        return (frame, s_versions[random.Next(s_versions.Length)]);
    }

    private static (byte[], ProtocolVersion?) Mutate(Random random, (byte[] Frame, ProtocolVersion? Version) source)
    {
        var bytes = new List<byte>(source.Frame);
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0: // flip a bit
                    var index = random.Next(bytes.Count);
                    bytes[index] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0: // replace a byte with an interesting value
                    bytes[random.Next(bytes.Count)] = (byte)(random.Next(4) switch { 0 => 0x00, 1 => 0xFF, 2 => 0x80, _ => random.Next(256) });
                    break;
                case 2: // insert a byte
                    bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256));
                    break;
                case 3 when bytes.Count > 0: // delete a byte
                    bytes.RemoveAt(random.Next(bytes.Count));
                    break;
                case 4 when bytes.Count > 0: // truncate
                    var keep = random.Next(bytes.Count);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    break;
                case 5 when bytes.Count > 1: // change the remaining length
                    bytes[1] = (byte)Math.Clamp(bytes[1] + random.Next(-3, 4), 0, 255);
                    break;
                default: // change a byte near the front, where headers and properties are
                    if (bytes.Count > 0)
                    {
                        bytes[random.Next(Math.Min(bytes.Count, 16))] = (byte)random.Next(256);
                    }

                    break;
            }
        }

        return (bytes.ToArray(), source.Version);
    }

    private static ReadOnlySequence<byte> RandomSegments(byte[] frame, Random random)
    {
        if (frame.Length < 2)
        {
            return Segments(frame.ToArray(), []);
        }

        var parts = new List<byte[]>();
        var offset = 0;
        while (offset < frame.Length)
        {
            var length = Math.Min(frame.Length - offset, random.Next(0, 6)); // empty segments too
            parts.Add(frame.AsSpan(offset, length).ToArray());
            offset += length;
        }

        return parts.Count == 1 ? Segments(parts[0], []) : Segments([.. parts]);
    }
}
