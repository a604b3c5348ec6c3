using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Security;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// Incoming PUBLISH: topic aliases, validation, authorization, QoS 1/2 flows (exactly once for QoS 2), Receive Maximum, and
/// the acknowledgement of a QoS 1/2 PUBLISH once the stores have it (the retained store; the publish journal of durable sessions).
/// </summary>
/// <remarks>
/// Read-after-write for retained messages: the PUBACK (QoS 1) or PUBREC (QoS 2) of a PUBLISH with RETAIN set
/// is sent only when the store's write completed, so a client that subscribes anywhere (on any node sharing
/// the store) after the publisher got its acknowledgement receives the message. The message itself is routed
/// at once: publishing never waits on the store. Acknowledgements keep the order of the PUBLISH packets
/// ([MQTT-4.6.0-2], [MQTT-4.6.0-3]): behind one that waits for the store, later ones wait too
/// (<see cref="_deferredAcks"/>). That queue is bounded by the client's own window: each entry is a QoS 1/2
/// packet identifier the client cannot reuse before its acknowledgement. The in-memory store completes at
/// once, so a single node never defers anything.
/// With durable sessions every routed QoS 1/2 message is also written to the publish journal
/// (<see cref="Sessions.IPublishJournal"/>) before its acknowledgement, the same way. When the journal cannot store it,
/// the acknowledgement says so: 5.0 gets PUBACK/PUBREC 0x80 (Unspecified error) with a reason string, and since 3.1.1
/// has no negative acknowledgement, a 3.1.1 connection is closed so that its client publishes the message again.
/// A success is never sent for a message that was not stored.
/// </remarks>
public sealed partial class MqttChannel
{
    private HashSet<ushort>? _incomingQoS2;
    private string?[]? _topicAliases;
    private long _publishesDenied;
    private Queue<DeferredAck>? _deferredAcks;
    private LatencySampler _latencySampler;

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

        int at = options.RefuseControlCharacters ? ControlCharacters.IndexIn(topic) : -1;
        if (at >= 0)
        {
            Fail(ReasonCode.TopicNameInvalid, "MQTT-1.5.4", $"The topic name holds the control character U+{(int)topic[at]:X4} (refused: RefuseControlCharacters).");
            return;
        }

        _context.Metrics.MessageReceived(publish.QoS, publish.Payload.Length);
        bool allowed = MayPublish(topic);
        if (!allowed)
        {
            OnPublishDenied(topic);
            if (_version == ProtocolVersion.V500 && publish.QoS != QualityOfService.AtMostOnce)
            {
                // 5.0 says why; the flow ends here (a PUBREC >= 0x80 is final, [MQTT-4.3.3-4]). 3.1.1 has no way to
                // say it, so there the message is acknowledged as usual and dropped.
                // The reason string goes unless the client asked for no problem information or it would not fit
                // (OutgoingPacketFitter, [MQTT-3.1.2-29], [MQTT-3.4.2-2]).
                string reason = $"Not authorized to publish to '{Truncate(topic)}'.";
                SendControl(publish.QoS == QualityOfService.AtLeastOnce
                    ? new PubAckPacket { PacketId = publish.PacketId, ReasonCode = ReasonCode.NotAuthorized, ReasonString = reason }
                    : new PubRecPacket { PacketId = publish.PacketId, ReasonCode = ReasonCode.NotAuthorized, ReasonString = reason });
                return;
            }
        }

        switch (publish.QoS)
        {
            case QualityOfService.AtMostOnce:
                if (allowed)
                {
                    _context.Publish(BrokerMessage.FromPublish(publish, topic, _clientId, _context.NowUnixMs(), _latencySampler.Next()));
                }

                break;

            case QualityOfService.AtLeastOnce:
            {
                ValueTask<bool> stored = new(true);
                int routed = allowed ? _context.Publish(BrokerMessage.FromPublish(publish, topic, _clientId, _context.NowUnixMs(), _latencySampler.Next()), out stored) : 0;
                SendAcknowledgement(
                    new PubAckPacket
                    {
                        PacketId = publish.PacketId,
                        ReasonCode = routed == 0 && _version == ProtocolVersion.V500 ? ReasonCode.NoMatchingSubscribers : ReasonCode.Success,
                    },
                    stored);
                break;
            }

            default:
            {
                HashSet<ushort> pending = _incomingQoS2 ??= new HashSet<ushort>();
                if (pending.Contains(publish.PacketId))
                {
                    // [MQTT-4.3.3-10] Exactly once: a PUBLISH repeated before PUBREL is acknowledged, not delivered again.
                    SendAcknowledgement(new PubRecPacket { PacketId = publish.PacketId }, new ValueTask<bool>(true));
                    return;
                }

                if (pending.Count >= options.ReceiveMaximum)
                {
                    Fail(ReasonCode.ReceiveMaximumExceeded, "MQTT-3.3.4-9", $"More than Receive Maximum ({options.ReceiveMaximum}) QoS 2 PUBLISHes unacknowledged.");
                    return;
                }

                pending.Add(publish.PacketId);
                ValueTask<bool> stored = new(true);
                int routed = allowed ? _context.Publish(BrokerMessage.FromPublish(publish, topic, _clientId, _context.NowUnixMs(), _latencySampler.Next()), out stored) : 0;
                SendAcknowledgement(
                    new PubRecPacket
                    {
                        PacketId = publish.PacketId,
                        ReasonCode = routed == 0 && _version == ProtocolVersion.V500 ? ReasonCode.NoMatchingSubscribers : ReasonCode.Success,
                    },
                    stored);
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

    /// <summary>
    /// Sends the PUBACK/PUBREC now when the stores (if any) are done and no earlier acknowledgement waits;
    /// otherwise queues it, in PUBLISH order, until they complete.
    /// </summary>
    private void SendAcknowledgement(MqttPacket acknowledgement, ValueTask<bool> stored)
    {
        if (stored.IsCompleted && _deferredAcks is null)
        {
            SendStoredAcknowledgement(acknowledgement, stored.GetAwaiter().GetResult());
            return;
        }

        var entry = new DeferredAck(acknowledgement);
        (_deferredAcks ??= new Queue<DeferredAck>()).Enqueue(entry);
        if (stored.IsCompleted)
        {
            // Done already (possibly since the check above): it goes now if nothing before it waits, else with that one.
            entry.Complete(stored.GetAwaiter().GetResult());
            SendReadyAcknowledgements();
            return;
        }

        // The stores' tasks never fault (IRetainedMessageStore, IPublishJournal): failures were counted and logged there.
        stored.AsTask().ContinueWith(
            static (task, state) =>
            {
                var (channel, ack) = ((MqttChannel, DeferredAck))state!;
                bool success = task.IsCompletedSuccessfully && task.Result;
                channel._connection.Execute(() =>
                {
                    ack.Complete(success);
                    channel.SendReadyAcknowledgements();
                });
            },
            (this, entry),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void SendReadyAcknowledgements()
    {
        Queue<DeferredAck>? queue = _deferredAcks;
        while (queue is not null && queue.TryPeek(out DeferredAck? next) && next.Ready)
        {
            queue.Dequeue();
            SendStoredAcknowledgement(next.Packet, next.Stored);
        }

        if (queue is { Count: 0 })
        {
            _deferredAcks = null;
        }
    }

    /// <summary>Sends the acknowledgement, or, when the journal could not store the message, what says it failed.</summary>
    private void SendStoredAcknowledgement(MqttPacket acknowledgement, bool stored)
    {
        if (stored || _state == ChannelState.Closed)
        {
            SendControl(acknowledgement);
            return;
        }

        _context.Metrics.PublishNotStored();
        if (_version != ProtocolVersion.V500)
        {
            // 3.1.1 cannot refuse a PUBLISH: without its acknowledgement, the client sends it again after reconnecting.
            Fail(ReasonCode.UnspecifiedError, "journal", "A QoS 1/2 PUBLISH could not be stored durably (the publish journal did not confirm it in time); the connection is closed unacknowledged so the client publishes it again.");
            return;
        }

        const string reason = "The message could not be stored durably (the session store did not confirm it); publish it again.";
        _context.ChannelLogger.LogWarning("Client {ClientId}: a QoS 1/2 PUBLISH could not be stored durably (publish journal); acknowledged with 0x80 Unspecified error", _clientId);
        if (acknowledgement is PubRecPacket received)
        {
            // A PUBREC >= 0x80 ends the QoS 2 flow [MQTT-4.3.3-4]: the packet identifier is free again.
            _incomingQoS2?.Remove(received.PacketId);
            SendControl(new PubRecPacket { PacketId = received.PacketId, ReasonCode = ReasonCode.UnspecifiedError, ReasonString = reason });
        }
        else if (acknowledgement is PubAckPacket ack)
        {
            SendControl(new PubAckPacket { PacketId = ack.PacketId, ReasonCode = ReasonCode.UnspecifiedError, ReasonString = reason });
        }
    }

    private void OnPubRel(PubRelPacket release)
    {
        bool known = _incomingQoS2 is not null && _incomingQoS2.Remove(release.PacketId);
        if (_incomingQoS2 is { Count: 0 })
        {
            _incomingQoS2 = null;
        }

        SendControl(new PubCompPacket
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

    /// <summary>A client-chosen text as logs and reason strings show it: at most 64 characters.</summary>
    internal static string Truncate(string value) => value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 64), "...");

    /// <summary>An acknowledgement waiting for its stores (or for an earlier one that waits).</summary>
    private sealed class DeferredAck(MqttPacket packet)
    {
        public MqttPacket Packet { get; } = packet;

        public bool Ready { get; private set; }

        /// <summary>False when the journal could not store the message.</summary>
        public bool Stored { get; private set; }

        public void Complete(bool stored)
        {
            Stored = stored;
            Ready = true;
        }
    }
}
