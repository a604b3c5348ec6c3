using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Security;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Channel;

/// <summary>Incoming PUBLISH: topic aliases, validation, authorization, QoS 1/2 flows (exactly once for QoS 2), Receive Maximum.</summary>
public sealed partial class MqttChannel
{
    private HashSet<ushort>? _incomingQoS2;
    private string?[]? _topicAliases;
    private long _publishesDenied;

    private void OnPublish(PublishPacket publish)
    {
        BrokerOptions options = _context.Options;
        if (publish.QoS > options.MaximumQoS)
        {
            Fail(ReasonCode.QoSNotSupported, "MQTT-3.2.2-11", $"PUBLISH with QoS {(byte)publish.QoS} exceeds the server's Maximum QoS {(byte)options.MaximumQoS}.");
            return;
        }

        if (publish.Retain && !options.RetainAvailable)
        {
            Fail(ReasonCode.RetainNotSupported, "MQTT-3.2.2-14", "PUBLISH with RETAIN set, but the server does not support retained messages.");
            return;
        }

        string? topic = ResolveTopic(publish);
        if (topic is null)
        {
            return;
        }

        TopicValidationResult validation = TopicValidator.ValidateTopicName(topic, _context.TopicLimits);
        if (!validation.IsValid)
        {
            string rule = validation.Error == TopicError.WildcardInTopicName ? "MQTT-3.3.2-2" : validation.Error switch
            {
                TopicError.ExceedsMaxLength => "limit:MaxTopicLength",
                TopicError.ExceedsMaxLevels => "limit:MaxTopicLevels",
                _ => "MQTT-4.7.3",
            };
            Fail(ReasonCode.TopicNameInvalid, rule, validation.Message + $" Topic: '{Truncate(topic)}'.");
            return;
        }

        _context.Metrics.MessageReceived();
        bool allowed = MayPublish(topic);
        if (!allowed)
        {
            OnPublishDenied(topic);
            if (_version == ProtocolVersion.V500 && publish.QoS != QualityOfService.AtMostOnce)
            {
                // 5.0 says why; the flow ends here (a PUBREC >= 0x80 is final, [MQTT-4.3.3-4]). 3.1.1 has no way to
                // say it, so there the message is acknowledged as usual and dropped.
                _connection.Send(publish.QoS == QualityOfService.AtLeastOnce
                    ? new PubAckPacket { PacketId = publish.PacketId, ReasonCode = ReasonCode.NotAuthorized }
                    : new PubRecPacket { PacketId = publish.PacketId, ReasonCode = ReasonCode.NotAuthorized });
                return;
            }
        }

        switch (publish.QoS)
        {
            case QualityOfService.AtMostOnce:
                if (allowed)
                {
                    _context.Publish(BrokerMessage.FromPublish(publish, topic, _clientId, _context.NowUnixMs()));
                }

                break;

            case QualityOfService.AtLeastOnce:
            {
                int routed = allowed ? _context.Publish(BrokerMessage.FromPublish(publish, topic, _clientId, _context.NowUnixMs())) : 0;
                _connection.Send(new PubAckPacket
                {
                    PacketId = publish.PacketId,
                    ReasonCode = routed == 0 && _version == ProtocolVersion.V500 ? ReasonCode.NoMatchingSubscribers : ReasonCode.Success,
                });
                break;
            }

            default:
            {
                HashSet<ushort> pending = _incomingQoS2 ??= new HashSet<ushort>();
                if (pending.Contains(publish.PacketId))
                {
                    // [MQTT-4.3.3-10] Exactly once: a PUBLISH repeated before PUBREL is acknowledged, not delivered again.
                    _connection.Send(new PubRecPacket { PacketId = publish.PacketId });
                    return;
                }

                if (pending.Count >= options.ReceiveMaximum)
                {
                    Fail(ReasonCode.ReceiveMaximumExceeded, "MQTT-3.3.4-9", $"More than Receive Maximum ({options.ReceiveMaximum}) QoS 2 PUBLISHes unacknowledged.");
                    return;
                }

                pending.Add(publish.PacketId);
                int routed = allowed ? _context.Publish(BrokerMessage.FromPublish(publish, topic, _clientId, _context.NowUnixMs())) : 0;
                _connection.Send(new PubRecPacket
                {
                    PacketId = publish.PacketId,
                    ReasonCode = routed == 0 && _version == ProtocolVersion.V500 ? ReasonCode.NoMatchingSubscribers : ReasonCode.Success,
                });
                break;
            }
        }
    }

    /// <summary>The ACL (or, without one, the built-in rule that '$' topics are the broker's) lets the client publish here.</summary>
    private bool MayPublish(string topic) => _access?.MayPublish(topic) ?? !ConnectionAccess.IsReservedForTheBroker(topic);

    private void OnPublishDenied(string topic)
    {
        _context.Metrics.PublishDenied();
        _publishesDenied++;

        // The first refusal of a connection at Information, the rest at Debug: a misconfigured client must not flood the log.
        _context.ChannelLogger.Log(
            _publishesDenied == 1 ? LogLevel.Information : LogLevel.Debug,
            "Client {ClientId} may not publish to '{Topic}': message dropped ({Count} refused on this connection)",
            _clientId, Truncate(topic), _publishesDenied);
    }

    private void OnPubRel(PubRelPacket release)
    {
        bool known = _incomingQoS2 is not null && _incomingQoS2.Remove(release.PacketId);
        if (_incomingQoS2 is { Count: 0 })
        {
            _incomingQoS2 = null;
        }

        _connection.Send(new PubCompPacket
        {
            PacketId = release.PacketId,
            ReasonCode = known || _version != ProtocolVersion.V500 ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound,
        });
    }

    /// <summary>The topic of the PUBLISH after applying 5.0 Topic Alias rules; null when the connection was failed.</summary>
    private string? ResolveTopic(PublishPacket publish)
    {
        if (publish.TopicAlias is not ushort alias)
        {
            if (publish.Topic.Length == 0)
            {
                Fail(ReasonCode.ProtocolError, "MQTT-3.3.2-1", "PUBLISH without a topic name or topic alias.");
                return null;
            }

            return publish.Topic;
        }

        ushort maximum = _context.Options.TopicAliasMaximum;
        if (_version != ProtocolVersion.V500 || alias == 0 || alias > maximum)
        {
            // [MQTT-3.3.2-9] / [MQTT-3.3.2-10] A Topic Alias of 0 or above Topic Alias Maximum is an error.
            Fail(ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-10", $"Topic Alias {alias} is not between 1 and the Topic Alias Maximum {maximum}.");
            return null;
        }

        if (publish.Topic.Length > 0)
        {
            (_topicAliases ??= new string?[maximum + 1])[alias] = publish.Topic;
            return publish.Topic;
        }

        string? mapped = _topicAliases?[alias];
        if (mapped is null)
        {
            Fail(ReasonCode.ProtocolError, "MQTT-3.3.2-12", $"Topic Alias {alias} was used before a topic name was mapped to it.");
            return null;
        }

        return mapped;
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 64), "...");
}
