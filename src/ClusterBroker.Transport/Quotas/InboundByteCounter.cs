using ClusterBroker.Transport.Internal;
using DotNetty.Buffers;
using DotNetty.Transport.Channels;

namespace ClusterBroker.Transport.Quotas;

/// <summary>
/// Charges every byte of MQTT read from the client (after TLS or WebSocket framing is removed) to its byte allowance;
/// placed just before the frame decoder, only on listeners with a byte limit.
/// </summary>
internal sealed class InboundByteCounter(MqttConnection connection) : ChannelHandlerAdapter
{
    public override void ChannelRead(IChannelHandlerContext context, object message)
    {
        if (message is IByteBuffer buffer)
            connection.ChargeInboundBytes(buffer.ReadableBytes);
        context.FireChannelRead(message);
    }
}
