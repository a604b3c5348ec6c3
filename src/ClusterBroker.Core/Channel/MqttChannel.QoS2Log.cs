using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// QoS 2 exactly once across a node loss (durable sessions, <see cref="IQoS2DeliveryLog"/>): while the connection holds a
/// persistent session, each QoS 2 PUBLISH is sent only once its flow was recorded, and each PUBREL only once the PUBREC
/// was. The writes are pipelined: PUBLISHes wait for their own record, in order, and the messages behind them wait too
/// (QoS 1 in the inflight window, QoS 0 in the session queue), so the order per topic is kept ([MQTT-4.6.0-6]).
/// </summary>
public sealed partial class MqttChannel
{
    // PUBLISHes (QoS 1/2, already inflight) held until the QoS 2 records before them are written: at most the window.
    private Queue<HeldPublish>? _heldForLog;
    private Action? _releaseHeldAction;

    /// <summary>A PUBLISH waiting to be sent, and the record of its QoS 2 flow being written (null for QoS 1).</summary>
    private readonly record struct HeldPublish(Delivery Delivery, ushort PacketId, Task<bool>? Recorded);

    /// <summary>Where this connection's QoS 2 flows are recorded: only while it holds a persistent session of a durable broker.</summary>
    private IQoS2DeliveryLog? QoS2Log => HasPersistentSession ? _context.QoS2Deliveries : null;

    /// <summary>True while PUBLISHes wait for their QoS 2 records: what comes next waits behind them.</summary>
    private bool HoldsForLog => _heldForLog is { Count: > 0 };

    /// <summary>Sends a new QoS 1/2 PUBLISH (its identifier allocated) once its QoS 2 flow is recorded and nothing before it waits.</summary>
    private void SendInOrder(in Delivery delivery, ushort packetId)
    {
        Task<bool>? recorded = delivery.QoS == QualityOfService.ExactlyOnce && QoS2Log is { } log
            ? log.SendingAsync(_clientId!, packetId, delivery.ToQueued())
            : null;
        if (!HoldsForLog && recorded is null or { IsCompleted: true })
        {
            SendNow(delivery, packetId);
            return;
        }

        (_heldForLog ??= new Queue<HeldPublish>()).Enqueue(new HeldPublish(delivery, packetId, recorded));
        if (recorded is { IsCompleted: false })
        {
            recorded.ContinueWith(static (_, state) => ((MqttChannel)state!).ScheduleReleaseHeld(), this, TaskScheduler.Default);
        }
    }

    private void ScheduleReleaseHeld() => _connection.Execute(_releaseHeldAction ??= ReleaseHeld);

    /// <summary>On the executor: sends the held PUBLISHes whose records are written, in order, then what waited behind them.</summary>
    private void ReleaseHeld()
    {
        while (_heldForLog is { Count: > 0 } held && held.Peek().Recorded is null or { IsCompleted: true })
        {
            HeldPublish next = held.Dequeue();
            SendNow(next.Delivery, next.PacketId);
        }

        if (_heldForLog is { Count: 0 })
        {
            _heldForLog = null;
        }

        if (_state == ChannelState.Connected)
        {
            Pump();
        }
    }

    private void SendNow(in Delivery delivery, ushort packetId)
    {
        if (!SendPublish(delivery, packetId, dup: false, out PublishPacket packet) && IsTooLargeForClient(packet))
        {
            // [MQTT-3.1.2-25] Discarded as if sent: the identifier is free again. When the connection had closed
            // instead, the message stays unacknowledged and is handed back with the session.
            _inflight.Remove(packetId);
            FlowEnded(delivery, packetId);
        }
    }

    /// <summary>PUBREC arrived: the PUBREL goes once the log knows the client has the message.</summary>
    private void Release(ushort packetId, in Delivery delivery)
    {
        if (QoS2Log is not { } log)
        {
            SendControl(new PubRelPacket { PacketId = packetId });
            return;
        }

        Task<bool> recorded = log.ReleasingAsync(_clientId!, packetId, delivery.ToQueued());
        if (recorded.IsCompleted)
        {
            SendControl(new PubRelPacket { PacketId = packetId });
            return;
        }

        recorded.ContinueWith(
            static (_, state) =>
            {
                var (channel, id) = ((MqttChannel, ushort))state!;
                channel._connection.Execute(() => channel.SendControl(new PubRelPacket { PacketId = id }));
            },
            (this, packetId),
            TaskScheduler.Default);
    }

    /// <summary>A QoS 2 flow ended (PUBCOMP, an error PUBREC, or the message dropped as too large): its record goes.</summary>
    private void FlowEnded(in Delivery delivery, ushort packetId)
    {
        if (delivery.QoS == QualityOfService.ExactlyOnce)
        {
            QoS2Log?.Completed(_clientId!, packetId);
        }
    }

    /// <summary>
    /// A QoS 2 message resent after the session resumed: recorded as this connection's, in its state (sent, or released),
    /// without waiting: until the record lands, the session store's pending messages hold the same flow.
    /// </summary>
    private void RecordResumed(ushort packetId, in Delivery delivery, bool released)
    {
        if (delivery.QoS == QualityOfService.ExactlyOnce && QoS2Log is { } log)
        {
            _ = released
                ? log.ReleasingAsync(_clientId!, packetId, delivery.ToQueued())
                : log.SendingAsync(_clientId!, packetId, delivery.ToQueued());
        }
    }
}
