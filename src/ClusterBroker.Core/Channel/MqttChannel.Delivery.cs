using ClusterBroker.Core.Routing;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// Outgoing deliveries: the ACL's read check, the mailbox other threads append to (bounded like the session queue, drained in
/// turns of <see cref="DrainTurn"/> so that each turn is flushed to the socket), the inflight window (Receive Maximum,
/// [MQTT-3.3.4-7]), the per-session queue behind it (bounded, with the drop policy), message expiry,
/// the QoS 1/2 acknowledgements from the client, Maximum Packet Size (a message too large for the
/// client is dropped as if sent, [MQTT-3.1.2-25]) and server-to-client topic aliases (<see cref="OutgoingTopicAliases"/>).
/// </summary>
public sealed partial class MqttChannel
{
    /// <summary>
    /// Deliveries handled per turn on the event loop. A turn ends with a flush; bounding it keeps a flood of
    /// deliveries from holding everything back (unflushed bytes, other connections' reads) until it stops.
    /// </summary>
    private const int DrainTurn = 256;

    private readonly object _mailboxLock = new();
    private readonly OutboundInflight _inflight = new();
    private Queue<Delivery>? _mailbox;
    private bool _mailboxClosed;
    private bool _drainScheduled;
    private Action? _drainAction;
    private Queue<Delivery>? _pending;
    private ushort _clientReceiveMaximum = ushort.MaxValue;
    private long _droppedMessages;
    private long _mailboxDropped;
    private uint? _clientMaximumPacketSize;
    private ushort _outgoingAliasLimit;
    private OutgoingTopicAliases? _outgoingAliases;
    private RecentMessageIds? _recentIds;

    // The two figures below are read by the metrics scrape on another thread without stopping the connection:
    // each is a moment's value (a count field read once), good for a distribution, never used for decisions.

    /// <summary>QoS 1/2 messages sent to the client and not yet acknowledged (its inflight window).</summary>
    public int InflightCount => _inflight.Count;

    /// <summary>Deliveries waiting for the connection: in the mailbox other threads fill, and behind the inflight window.</summary>
    public int QueuedCount => (Volatile.Read(ref _mailbox)?.Count ?? 0) + (Volatile.Read(ref _pending)?.Count ?? 0);

    /// <summary>
    /// Called by routers on any thread: queues the delivery for the connection's executor. The mailbox holds
    /// at most <see cref="MailboxLimit"/> deliveries: when publishers outrun the connection, the session's
    /// drop policy applies here as it does to the session queue (counted, and logged).
    /// </summary>
    public bool TryDeliver(in Delivery delivery)
    {
        bool schedule;
        long dropped = 0;
        lock (_mailboxLock)
        {
            if (_mailboxClosed)
            {
                return false;
            }

            Queue<Delivery> mailbox = _mailbox ??= new Queue<Delivery>();
            if (mailbox.Count < MailboxLimit)
            {
                mailbox.Enqueue(delivery);
            }
            else
            {
                if (_context.Options.QueueDropPolicy == QueueDropPolicy.DropOldest)
                {
                    mailbox.Dequeue();
                    mailbox.Enqueue(delivery);
                }

                dropped = ++_mailboxDropped;
            }

            schedule = !_drainScheduled && _state == ChannelState.Connected;
            _drainScheduled |= schedule;
        }

        if (dropped > 0)
        {
            OnMailboxOverflow(dropped);
        }

        if (schedule)
        {
            _connection.Execute(_drainAction ??= Drain);
        }

        return true;
    }

    /// <summary>The session queue's limit, but never below one drain turn (0 means "queue nothing" for the session queue, not "deliver nothing").</summary>
    private int MailboxLimit => Math.Max(_context.Options.MaxQueuedMessagesPerSession, DrainTurn);

    private void OnMailboxOverflow(long droppedSoFar)
    {
        _context.Metrics.MessageDropped();
        if ((droppedSoFar & (droppedSoFar - 1)) == 0)
        {
            _context.ChannelLogger.LogWarning(
                "Deliveries to client {ClientId} arrive faster than it is sent them: its mailbox is full ({Limit} messages, policy {DropPolicy}); {DroppedCount} message(s) dropped so far",
                _clientId, MailboxLimit, _context.Options.QueueDropPolicy, droppedSoFar);
        }
    }

    private void ScheduleDrain()
    {
        bool schedule;
        lock (_mailboxLock)
        {
            schedule = !_drainScheduled && _mailbox is { Count: > 0 };
            _drainScheduled |= schedule;
        }

        if (schedule)
        {
            _connection.Execute(_drainAction ??= Drain);
        }
    }

    private void Drain()
    {
        for (int handled = 0; handled < DrainTurn; handled++)
        {
            Delivery delivery;
            lock (_mailboxLock)
            {
                if (_state != ChannelState.Connected || _mailbox is not { Count: > 0 } || _retainedLookups > 0)
                {
                    // The queue is kept once a delivery arrived: allocating one per message burst costs more than it saves.
                    // While retained messages are being looked up, newer deliveries wait behind them (ScheduleDrain follows).
                    _drainScheduled = false;
                    return;
                }

                delivery = _mailbox.Dequeue();
            }

            ProcessDelivery(delivery);
        }

        // More is waiting: the next turn runs after this one was flushed and the event loop's other work had its turn.
        _connection.Execute(_drainAction ??= Drain);
    }

    private Delivery[]? CloseMailbox()
    {
        lock (_mailboxLock)
        {
            _mailboxClosed = true;
            Delivery[]? remaining = _mailbox is { Count: > 0 } ? _mailbox.ToArray() : null;
            _mailbox = null;
            return remaining;
        }
    }

    /// <summary>Sends the delivery now when the window allows, else queues it behind the others.</summary>
    private void ProcessDelivery(in Delivery delivery)
    {
        if (delivery.Message.IsExpired(_context.NowUnixMs()) || IsRepeat(delivery))
        {
            return;
        }

        if (_access is not null && !_access.MayRead(delivery.Message.Topic))
        {
            // Checked per message, not only at SUBSCRIBE: a reloaded ACL, a deny inside a granted filter, retained and queued messages.
            _context.Metrics.DeliveryDenied();
            return;
        }

        // Behind messages waiting for the window, everything waits, QoS 0 included: order per topic is kept ([MQTT-4.6.0-6]).
        // So does QoS 0 behind PUBLISHes waiting for their QoS 2 records (QoS 1/2 wait in the window, SendInOrder).
        if (_pending is { Count: > 0 } || (delivery.QoS == QualityOfService.AtMostOnce && HoldsForLog))
        {
            EnqueuePending(delivery);
            return;
        }

        if (delivery.QoS == QualityOfService.AtMostOnce)
        {
            SendPublish(delivery, 0, dup: false);
            return;
        }

        if (_inflight.Count >= SendWindow)
        {
            EnqueuePending(delivery);
            return;
        }

        SendNew(delivery);
    }

    /// <summary>Starts looking for repeats: the session was resumed, and may be moving here from another node.</summary>
    private void WatchForRepeats() => _recentIds = new RecentMessageIds(_context.NowUnixMs() + (long)RecentMessageIds.Window.TotalMilliseconds);

    /// <summary>
    /// True for a message the resumed session was given already (<see cref="RecentMessageIds"/>): counted, not sent. A
    /// shared-group delivery is neither checked nor remembered: a session subscribed to a topic both plainly and in a
    /// group is owed both copies.
    /// </summary>
    private bool IsRepeat(in Delivery delivery)
    {
        Messages.BrokerMessage message = delivery.Message;
        if (_recentIds is not { } recent || message.Id == 0 || delivery.Group is not null)
        {
            return false;
        }

        if (recent.Expired(_context.NowUnixMs()))
        {
            _recentIds = null;
            return false;
        }

        if (!recent.IsRepeat(message.Id))
        {
            return false;
        }

        _context.Metrics.RepeatSuppressed();
        _context.ChannelLogger.LogDebug("Client {ClientId}: a repeat of a message on '{Topic}' it was given already (its session moved) is not sent", _clientId, message.Topic);
        return true;
    }

    private int SendWindow => Math.Min(_context.Options.MaxInflightMessages, _clientReceiveMaximum);

    private void SendNew(in Delivery delivery) => SendInOrder(delivery, _inflight.Add(delivery));

    /// <summary>Only called when the transport refused a packet (rare): was it the client's Maximum Packet Size?</summary>
    private bool IsTooLargeForClient(PublishPacket packet) =>
        _clientMaximumPacketSize is uint max && MqttPacketEncoder.GetEncodedSize(packet, _version) > max;

    private void EnqueuePending(in Delivery delivery)
    {
        Queue<Delivery> pending = _pending ??= new Queue<Delivery>();
        BrokerOptions options = _context.Options;
        int max = options.MaxQueuedMessagesPerSession;
        if (pending.Count < max)
        {
            pending.Enqueue(delivery);
            return;
        }

        if (options.QueueDropPolicy == QueueDropPolicy.DropOldest && max > 0)
        {
            pending.Dequeue();
            pending.Enqueue(delivery);
        }

        _droppedMessages++;
        _context.Metrics.MessageDropped();
        if ((_droppedMessages & (_droppedMessages - 1)) == 0)
        {
            _context.ChannelLogger.LogWarning(
                "Session queue of client {ClientId} is full ({MaxQueued} messages, policy {DropPolicy}): {DroppedCount} message(s) dropped so far",
                _clientId, max, options.QueueDropPolicy, _droppedMessages);
        }
    }

    /// <summary>Sends queued deliveries while the window has room.</summary>
    private void Pump()
    {
        if (_pending is null)
        {
            return;
        }

        long now = _context.NowUnixMs();
        while (_pending.TryPeek(out Delivery next))
        {
            bool qos0 = next.QoS == QualityOfService.AtMostOnce;
            if (qos0 ? HoldsForLog : _inflight.Count >= SendWindow)
            {
                break;
            }

            _pending.Dequeue();
            if (next.Message.IsExpired(now))
            {
                continue;
            }

            if (qos0)
            {
                SendPublish(next, 0, dup: false);
            }
            else
            {
                SendNew(next);
            }
        }

        if (_pending.Count == 0)
        {
            _pending = null;
        }
    }

    /// <summary>Encodes the delivery as PUBLISH; false when the transport refused it (too large for the client, or closed).</summary>
    private bool SendPublish(in Delivery delivery, ushort packetId, bool dup) => SendPublish(delivery, packetId, dup, out _);

    private bool SendPublish(in Delivery delivery, ushort packetId, bool dup, out PublishPacket packet)
    {
        var message = delivery.Message;
        ushort alias = 0;
        bool aliasKnown = false;
        if (_version == ProtocolVersion.V500)
        {
            uint? expiry = message.RemainingExpiryInterval(_context.NowUnixMs());
            if (_outgoingAliasLimit != 0)
            {
                alias = (_outgoingAliases ??= new OutgoingTopicAliases(_outgoingAliasLimit)).Get(message.Topic, out aliasKnown);
            }

            packet = new PublishPacket
            {
                // Once the client knows the alias, the topic is sent empty ([MQTT-3.3.2-12] lets it stand for the topic).
                Topic = aliasKnown ? string.Empty : message.Topic,
                TopicAlias = alias == 0 ? null : alias,
                Payload = message.Payload,
                QoS = delivery.QoS,
                Retain = delivery.Retain,
                Dup = dup,
                PacketId = packetId,
                PayloadFormatIndicator = message.PayloadFormatIndicator,
                MessageExpiryInterval = expiry,
                ResponseTopic = message.ResponseTopic,
                CorrelationData = message.CorrelationData,
                UserProperties = message.UserProperties,
                SubscriptionIdentifiers = delivery.SubscriptionIdentifiers,
                ContentType = message.ContentType,
            };
        }
        else
        {
            packet = new PublishPacket
            {
                Topic = message.Topic,
                Payload = message.Payload,
                QoS = delivery.QoS,
                Retain = delivery.Retain,
                Dup = dup,
                PacketId = packetId,
            };
        }

        if (_connection.Send(packet))
        {
            _context.Metrics.MessageSent(delivery.QoS, message.Payload.Length);
            // A resend (DUP) is not a delivery's first write: only the first is measured.
            if (message.ReceivedTimestamp != 0 && !dup)
            {
                _context.Metrics.ObserveDeliveryLatency(message.ReceivedTimestamp);
            }

            return true;
        }

        if (alias != 0 && !aliasKnown)
        {
            _outgoingAliases!.Forget(alias); // the client never learnt this mapping
        }

        _context.ChannelLogger.LogDebug(
            "PUBLISH on {Topic} not sent to client {ClientId}: larger than its Maximum Packet Size, or the connection closed [MQTT-3.1.2-25]",
            message.Topic, _clientId);
        return false;
    }

    private void OnPubAck(PubAckPacket ack)
    {
        if (_inflight.TryGet(ack.PacketId, out Delivery delivery, out _) && delivery.QoS == QualityOfService.AtLeastOnce)
        {
            _inflight.Remove(ack.PacketId);
            Pump();
        }
    }

    private void OnPubRec(PubRecPacket rec)
    {
        if (!_inflight.TryGet(rec.PacketId, out Delivery delivery, out _) || delivery.QoS != QualityOfService.ExactlyOnce)
        {
            SendControl(new PubRelPacket
            {
                PacketId = rec.PacketId,
                ReasonCode = _version == ProtocolVersion.V500 ? ReasonCode.PacketIdentifierNotFound : ReasonCode.Success,
            });
            return;
        }

        if ((byte)rec.ReasonCode >= 0x80)
        {
            // [MQTT-4.3.3-4] A PUBREC with an error code ends the flow; the identifier is free again.
            _inflight.Remove(rec.PacketId);
            FlowEnded(delivery, rec.PacketId);
            Pump();
            return;
        }

        _inflight.MarkReleased(rec.PacketId);
        Release(rec.PacketId, delivery);
    }

    private void OnPubComp(PubCompPacket comp)
    {
        if (_inflight.TryGet(comp.PacketId, out Delivery delivery, out bool released) && released)
        {
            _inflight.Remove(comp.PacketId);
            FlowEnded(delivery, comp.PacketId);
            Pump();
        }
    }
}
