using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// What a connection is held to, from what its CONNECT asked and what the broker allows. Pure, so each rule is tested
/// on its own; the 5.0 CONNACK tells the client wherever the broker's answer differs from its request.
/// </summary>
/// <param name="KeepAlive">Seconds; 0 is no keep alive.</param>
/// <param name="SessionExpiryInterval">Seconds the session outlives the connection; 0 ends it with the connection.</param>
/// <param name="ClientReceiveMaximum">How many QoS 1/2 PUBLISH the client takes unacknowledged.</param>
/// <param name="OutgoingAliasLimit">How many topic aliases the broker uses towards the client (0: none).</param>
internal readonly record struct ConnectTerms(ushort KeepAlive, uint SessionExpiryInterval, ushort ClientReceiveMaximum, ushort OutgoingAliasLimit)
{
    public static ConnectTerms Negotiate(ConnectPacket connect, BrokerOptions options)
    {
        bool v5 = connect.ProtocolVersion == ProtocolVersion.V500;
        ushort keepAlive = KeepAliveFor(connect.KeepAlive, v5, options);
        if (!v5)
        {
            // 3.1/3.1.1: Clean Session 1 ends the session with the connection; 0 keeps it (bounded by the configured maximum).
            return new(keepAlive, connect.CleanSession ? 0 : options.MaximumSessionExpiryInterval, ushort.MaxValue, 0);
        }

        return new(
            keepAlive,
            Math.Min(connect.SessionExpiryInterval ?? 0, options.MaximumSessionExpiryInterval),
            connect.ReceiveMaximum ?? ushort.MaxValue,
            Math.Min(connect.TopicAliasMaximum ?? 0, options.OutgoingTopicAliasMaximum));
    }

    /// <summary>
    /// The Keep Alive the broker holds the client to: Server Keep Alive when configured (5.0); otherwise the client's,
    /// lowered to MaxKeepAlive (0, no keep alive, counts as above it) and a non-zero value raised to MinKeepAlive.
    /// 3.1/3.1.1 clients cannot be told and are held to it all the same (README: Keep Alive limits).
    /// </summary>
    private static ushort KeepAliveFor(ushort requested, bool v5, BrokerOptions options)
    {
        if (v5 && options.ServerKeepAlive is ushort forced)
        {
            return forced;
        }

        ushort keepAlive = requested;
        if (options.MaxKeepAlive is ushort max && (keepAlive == 0 || keepAlive > max))
        {
            keepAlive = max;
        }

        if (options.MinKeepAlive is ushort min && keepAlive != 0 && keepAlive < min)
        {
            keepAlive = min;
        }

        return keepAlive;
    }
}
