using ClusterBroker.Core.Connections;
using System.Runtime.InteropServices;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using DotNetty.Buffers;
using DotNetty.Transport.Channels;

namespace ClusterBroker.Transport.Internal;

/// <summary>
/// Encodes outbound <see cref="MqttPacket"/> messages. A PUBLISH is written as two buffers, its header
/// and its payload wrapped without copying (the socket writes both in one gathering send).
/// </summary>
internal sealed class MqttPacketEncoderHandler(ITrafficMeter? trafficMeter = null) : ChannelHandlerAdapter
{
    /// <summary>The version packets are encoded with; 3.1.1 until the connection chose one.</summary>
    public ProtocolVersion Version { get; set; } = ProtocolVersion.V311;

    public override Task WriteAsync(IChannelHandlerContext context, object message)
    {
        if (message is not MqttPacket packet)
            return context.WriteAsync(message);

        IByteBuffer? header = null;
        try
        {
            int size = MqttPacketEncoder.GetEncodedSize(packet, Version);
            trafficMeter?.AddBytesSent(size);
            if (packet is PublishPacket publish && !publish.Payload.IsEmpty)
            {
                int payloadLength = publish.Payload.Length;
                header = context.Allocator.HeapBuffer(size - payloadLength);
                var writer = new ByteBufferWriter(header);
                MqttPacketEncoder.EncodePublishHeader(publish, Version, writer);
                IByteBuffer payload = MemoryMarshal.TryGetArray(publish.Payload, out ArraySegment<byte> segment)
                    ? Unpooled.WrappedBuffer(segment.Array!, segment.Offset, segment.Count)
                    : Unpooled.WrappedBuffer(publish.Payload.ToArray());
                IByteBuffer headerToWrite = header;
                header = null;
                _ = context.WriteAsync(headerToWrite);
                return context.WriteAsync(payload);
            }

            header = context.Allocator.HeapBuffer(size);
            MqttPacketEncoder.Encode(packet, Version, new ByteBufferWriter(header));
            IByteBuffer whole = header;
            header = null;
            return context.WriteAsync(whole);
        }
        catch (Exception ex)
        {
            header?.Release();
            return Task.FromException(ex);
        }
    }
}
