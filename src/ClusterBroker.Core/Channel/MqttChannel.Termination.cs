using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// The end of the connection: the session goes back to its owner with everything unacknowledged or
/// queued, shared-group messages go to another member, and the Will is published or deferred.
/// </summary>
public sealed partial class MqttChannel
{
    /// <summary>
    /// The end of the connection, whatever caused it (idempotent): hands the session back to its owner
    /// with everything unacknowledged or queued, redispatches shared-group messages, and publishes or
    /// defers the Will.
    /// </summary>
    private void Terminate()
    {
        if (_state == ChannelState.Closed)
        {
            return;
        }

        try
        {
            TerminateSession();
        }
        finally
        {
            if (_ownsClientId)
            {
                _context.Connections.ReleaseClientId(_clientId!, this);
                _context.Sessions.ConnectionEnded(_clientId!, _connectionId);
            }

            _terminatedDone = true;
            Volatile.Read(ref _terminated)?.TrySetResult();
        }
    }

    private void TerminateSession()
    {
        ChannelState previous = _state;
        _state = ChannelState.Closed;
        _timer?.Dispose();
        _timer = null;
        _context.Connections.Remove(_connectionId);
        Delivery[]? mailbox = CloseMailbox();
        if (previous != ChannelState.Connected)
        {
            return;
        }

        _context.Metrics.ClientDisconnected();
        SessionEndpoint endpoint = _endpoint!;
        endpoint.SetOffline(this);
        long now = _context.NowUnixMs();

        var inflight = new List<InflightMessage>();
        var queued = new List<QueuedMessage>();
        foreach ((ushort id, Delivery delivery, bool released) in _inflight.TakeAll())
        {
            // A shared-group QoS 1 message goes to another member ([MQTT-4.8.2] allows it as soon as the connection is
            // lost); with no other member it stays with this session (resent on its return), like any unacknowledged
            // message. A QoS 2 message being sent stays: it must be completed with this client ([MQTT-4.8.2-4]) and
            // never sent to another ([MQTT-4.8.2-5]).
            if (delivery.Group is { } group && !released && delivery.QoS == QualityOfService.AtLeastOnce
                && _context.Router.Redispatch(group, delivery.ToQueued(), endpoint))
            {
                continue;
            }

            inflight.Add(new InflightMessage(id, delivery.ToQueued(), released));
        }

        KeepOrRedispatch(_pending, queued, endpoint, now);
        if (mailbox is not null)
        {
            foreach (Delivery delivery in mailbox)
            {
                KeepOrRedispatch(delivery, queued, endpoint, now);
            }
        }

        _pending = null;

        PendingWill? pendingWill = null;
        if (_publishWill && _will is { } will && MayPublishWill(will.Topic))
        {
            uint delay = _version == ProtocolVersion.V500 ? Math.Min(will.WillDelayInterval ?? 0, _sessionExpiryInterval) : 0;
            BrokerMessage willMessage = BrokerMessage.FromWill(will, _clientId!, now);
            if (_takenOver && _sessionExpiryInterval > 0)
            {
                // Taken over, the session persisting: as Mosquitto, the Will is dropped when the new connection resumes
                // the session (the client is still there) and published when it starts clean (the session ends).
                // Told by a newer connection on this node, decide now; asked by the session owner (the newer connection
                // is elsewhere), hand the Will to the owner, which decides as the newer connection attaches
                // (SessionState.Attach), or publishes it after its delay (at least the takeover timeout) should none.
                if (_takeoverResumesSession is bool resumes)
                {
                    if (!resumes)
                    {
                        PublishWill(willMessage);
                    }
                }
                else
                {
                    uint decideWithin = (uint)Math.Ceiling(_context.Options.TakeoverTimeout.TotalSeconds);
                    pendingWill = new PendingWill(willMessage, Math.Max(delay, decideWithin));
                }
            }
            else if (delay == 0)
            {
                PublishWill(willMessage);
            }
            else
            {
                pendingWill = new PendingWill(willMessage, delay);
            }
        }

        SessionSnapshot snapshot;
        if (_sessionExpiryInterval == 0)
        {
            // The session ends with the connection, unless a newer connection of the client owns the endpoint already.
            if (!endpoint.IsOnline)
            {
                _context.Router.RemoveEndpoint(endpoint);
            }

            if (_attachedEphemeral)
            {
                return; // the owner kept nothing for an ephemeral session: nothing to hand back
            }

            snapshot = SessionSnapshot.Empty;
        }
        else
        {
            var incoming = new List<ushort>();
            if (_incomingQoS2 is not null)
            {
                incoming.AddRange(_incomingQoS2);
            }

            snapshot = new SessionSnapshot(_context.Router.GetSubscriptions(endpoint), inflight, queued, incoming);
        }

        _context.Sessions.Detach(new SessionDetachRequest(_clientId!, _connectionId, _sessionExpiryInterval, snapshot, pendingWill));
    }

    private void KeepOrRedispatch(Queue<Delivery>? source, List<QueuedMessage> target, SessionEndpoint endpoint, long now)
    {
        if (source is null)
        {
            return;
        }

        foreach (Delivery delivery in source)
        {
            KeepOrRedispatch(delivery, target, endpoint, now);
        }
    }

    private void KeepOrRedispatch(in Delivery delivery, List<QueuedMessage> target, SessionEndpoint endpoint, long now)
    {
        if ((delivery.QoS == QualityOfService.AtMostOnce && !_context.Options.QueueQoS0Messages) || delivery.Message.IsExpired(now))
        {
            return;
        }

        // With no other member in the group the message stays queued in this session instead.
        if (delivery.Group is not { } group || !_context.Router.Redispatch(group, delivery.ToQueued(), endpoint))
        {
            target.Add(delivery.ToQueued());
        }
    }

    /// <summary>Asked again when the Will is due: the ACL may have been reloaded since CONNECT.</summary>
    private bool MayPublishWill(string topic)
    {
        if (MayPublish(topic))
        {
            return true;
        }

        _context.Metrics.PublishDenied();
        _context.ChannelLogger.LogInformation("The Will of client {ClientId} on '{Topic}' is not published: the ACL no longer allows it", _clientId, Truncate(topic));
        return false;
    }

    private void PublishWill(BrokerMessage will)
    {
        _context.ChannelLogger.LogDebug("Publishing the Will of client {ClientId} on {Topic}", _clientId, will.Topic);
        _context.Publish(will);
    }
}
