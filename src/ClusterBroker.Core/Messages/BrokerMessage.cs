using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Messages;

/// <summary>
/// An application message as the broker routes, queues and retains it: immutable, independent of the
/// packet it came in (no topic alias, no packet identifier), with the 5.0 properties that are forwarded
/// unchanged. <see cref="ExpiresAtUnixMs"/> is absolute (Unix milliseconds, 0 = never) so it survives
/// queues and node boundaries; the remaining interval is computed when the message is sent.
/// </summary>
public sealed record BrokerMessage
{
    public required string Topic { get; init; }
    public ReadOnlyMemory<byte> Payload { get; init; }
    public QualityOfService QoS { get; init; }
    public bool Retain { get; init; }

    /// <summary>Client id of the publisher (No Local); null for messages the broker makes ($SYS).</summary>
    public string? PublisherId { get; init; }

    /// <summary>Absolute expiry in Unix milliseconds; 0 when the message does not expire.</summary>
    public long ExpiresAtUnixMs { get; init; }

    public byte? PayloadFormatIndicator { get; init; }
    public string? ContentType { get; init; }
    public string? ResponseTopic { get; init; }
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }

    /// <summary>
    /// <see cref="System.Diagnostics.Stopwatch"/> timestamp of the PUBLISH's arrival when the message was sampled for the
    /// delivery-latency histogram (<see cref="LatencySampler"/>), else 0. Meaningful in this process only: it is
    /// not serialized, so forwarded and stored copies arrive without it and are not measured.
    /// </summary>
    public long ReceivedTimestamp { get; init; }

    /// <summary>
    /// True for a copy republished from a crashed node's publish journal (<see cref="Sessions.IPublishJournal"/>): that
    /// node acknowledged it to its publisher and may or may not have passed it on before it died. Only persistent
    /// sessions get it (they were promised it; a clean subscriber was not, and would mostly see a duplicate), and one
    /// member of each matching shared group (the group was promised it; a member may have had it already: at least once).
    /// </summary>
    public bool Replayed { get; init; }

    /// <summary>
    /// The message's identity in the cluster (<see cref="MessageIds"/>), given when a PUBLISH or a Will is accepted and
    /// kept by every copy (forwards, queues, the journal, replays); 0 for messages without one ($SYS, retained copies).
    /// A session that receives the same message along two paths while it moves between nodes delivers it once.
    /// </summary>
    public ulong Id { get; init; }

    /// <summary>True when the message carries a Message Expiry Interval that has elapsed.</summary>
    public bool IsExpired(long nowUnixMs) => ExpiresAtUnixMs != 0 && nowUnixMs >= ExpiresAtUnixMs;

    /// <summary>The Message Expiry Interval to forward (whole seconds left, at least 1), or null when none.</summary>
    public uint? RemainingExpiryInterval(long nowUnixMs)
    {
        if (ExpiresAtUnixMs == 0)
        {
            return null;
        }

        long left = ExpiresAtUnixMs - nowUnixMs;
        return left <= 0 ? 0u : (uint)Math.Min(uint.MaxValue, (left + 999) / 1000);
    }

    /// <summary>The message a client PUBLISH carries (the topic resolved from any alias).</summary>
    public static BrokerMessage FromPublish(PublishPacket packet, string topic, string? publisherId, long nowUnixMs, long receivedTimestamp = 0) => new()
    {
        Id = MessageIds.Next(),
        ReceivedTimestamp = receivedTimestamp,
        Topic = topic,
        Payload = packet.Payload,
        QoS = packet.QoS,
        Retain = packet.Retain,
        PublisherId = publisherId,
        ExpiresAtUnixMs = packet.MessageExpiryInterval is uint seconds ? nowUnixMs + (seconds * 1000L) : 0,
        PayloadFormatIndicator = packet.PayloadFormatIndicator,
        ContentType = packet.ContentType,
        ResponseTopic = packet.ResponseTopic,
        CorrelationData = packet.CorrelationData,
        UserProperties = packet.UserProperties,
    };

    /// <summary>The message a Will describes.</summary>
    public static BrokerMessage FromWill(WillMessage will, string publisherId, long nowUnixMs) => new()
    {
        Id = MessageIds.Next(),
        Topic = will.Topic,
        Payload = will.Payload,
        QoS = will.QoS,
        Retain = will.Retain,
        PublisherId = publisherId,
        ExpiresAtUnixMs = will.MessageExpiryInterval is uint seconds ? nowUnixMs + (seconds * 1000L) : 0,
        PayloadFormatIndicator = will.PayloadFormatIndicator,
        ContentType = will.ContentType,
        ResponseTopic = will.ResponseTopic,
        CorrelationData = will.CorrelationData,
        UserProperties = will.UserProperties,
    };
}
