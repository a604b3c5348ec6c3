using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Channel;

/// <summary>SUBSCRIBE and UNSUBSCRIBE: filter validation, authorization, limits, granted QoS, retained messages on subscribe.</summary>
public sealed partial class MqttChannel
{
    /// <summary>Retained lookups on their way; while any is, the mailbox is not drained (see <see cref="SendRetained"/>).</summary>
    private int _retainedLookups;

    private void OnSubscribe(SubscribePacket subscribe)
    {
        BrokerOptions options = _context.Options;
        bool v5 = _version == ProtocolVersion.V500;
        if (subscribe.SubscriptionIdentifier is not null && !options.SubscriptionIdentifiersAvailable)
        {
            Fail(ReasonCode.SubscriptionIdentifiersNotSupported, "MQTT-3.8.2-1", "Subscription Identifiers are not supported (Subscription Identifiers Available is 0).");
            return;
        }

        SessionEndpoint endpoint = _endpoint!;
        var codes = new ReasonCode[subscribe.Subscriptions.Count];
        List<(Subscription Subscription, bool IsNew)>? retainedWanted = null;
        for (int i = 0; i < codes.Length; i++)
        {
            TopicSubscription requested = subscribe.Subscriptions[i];
            TopicValidationResult validation = TopicValidator.ValidateSubscriptionFilter(requested.Filter, _context.TopicLimits, out SharedSubscriptionFilter? shared);
            if (!validation.IsValid || (options.RefuseControlCharacters && ControlCharacters.IndexIn(requested.Filter) >= 0))
            {
                codes[i] = ReasonCode.TopicFilterInvalid;
                continue;
            }

            if (shared is not null)
            {
                if (!options.SharedSubscriptionAvailable)
                {
                    codes[i] = ReasonCode.SharedSubscriptionsNotSupported;
                    continue;
                }

                if (requested.NoLocal)
                {
                    // [MQTT-3.8.3-4] No Local on a shared subscription is a protocol error.
                    Fail(ReasonCode.ProtocolError, "MQTT-3.8.3-4", $"No Local set on shared subscription '{requested.Filter}'.");
                    return;
                }
            }

            if (!options.WildcardSubscriptionAvailable && TopicMatcher.ContainsWildcard(shared?.Filter ?? requested.Filter))
            {
                codes[i] = ReasonCode.WildcardSubscriptionsNotSupported;
                continue;
            }

            if (_access is not null && !_access.MaySubscribe(shared?.Filter ?? requested.Filter))
            {
                // 0x87 Not authorized; 3.1.1 has only 0x80 Failure, which the encoder writes for it.
                codes[i] = ReasonCode.NotAuthorized;
                _context.Metrics.SubscriptionDenied();
                _context.ChannelLogger.LogDebug("Client {ClientId} may not subscribe to '{Filter}'", _clientId, Truncate(requested.Filter));
                continue;
            }

            QualityOfService granted = requested.MaximumQoS < options.MaximumQoS ? requested.MaximumQoS : options.MaximumQoS;

            // A bridge (bridge bit in CONNECT) gets what it cannot ask for in 3.1.1: no echo of the messages it
            // published (else they would loop between the brokers) and RETAIN as published (so that the other broker
            // retains what was retained here), as Mosquitto gives its bridges.
            bool bridge = _isBridge && shared is null;
            var subscription = new Subscription(
                requested.Filter,
                granted,
                (v5 && requested.NoLocal) || bridge,
                (v5 && requested.RetainAsPublished) || bridge,
                v5 ? requested.RetainHandling : RetainHandling.SendAtSubscribe,
                subscribe.SubscriptionIdentifier);
            SubscribeOutcome outcome = _context.Router.Subscribe(endpoint, subscription, shared, options.MaxSubscriptionsPerClient);
            if (outcome == SubscribeOutcome.QuotaExceeded)
            {
                codes[i] = ReasonCode.QuotaExceeded;
                continue;
            }

            codes[i] = (ReasonCode)(byte)granted;

            // Retained messages are not sent for shared subscriptions (MQTT 5.0 section 4.8.2).
            if (shared is null && options.RetainAvailable
                && (subscription.RetainHandling == RetainHandling.SendAtSubscribe
                    || (subscription.RetainHandling == RetainHandling.SendAtSubscribeIfNew && outcome == SubscribeOutcome.Added)))
            {
                (retainedWanted ??= new List<(Subscription, bool)>()).Add((subscription, outcome == SubscribeOutcome.Added));
            }
        }

        string? reason = null;
        if (v5 && _problemInformation && Array.Exists(codes, c => (byte)c >= 0x80))
        {
            // Reason strings only when the client asked for problem information ([MQTT-3.1.2-29]).
            reason = "Some filters were refused: 0x8F invalid filter or configured topic limits, 0x87 not allowed by the ACL, 0x97 MaxSubscriptionsPerClient reached, 0x9E/0xA2 feature disabled.";
        }

        var subAck = new SubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = codes, ReasonString = reason };
        AfterSubscriptionsStored(codes, () =>
        {
            SendControl(subAck);
            if (retainedWanted is not null)
            {
                SendRetained(retainedWanted);
            }
        });
    }

    /// <summary>
    /// Looks up the retained messages of each new subscription and delivers them ([MQTT-3.3.1-9]). A store that
    /// answers synchronously (in memory) is delivered from here, allocation-free beyond the result list. A store
    /// that answers later (Redis) holds back the mailbox's deliveries until its answer is delivered, so a
    /// subscriber gets the retained message of a topic before newer messages routed to it meanwhile.
    /// </summary>
    private void SendRetained(List<(Subscription Subscription, bool IsNew)> wanted)
    {
        long now = _context.NowUnixMs();
        var retained = new List<BrokerMessage>();
        for (int i = 0; i < wanted.Count; i++)
        {
            Subscription subscription = wanted[i].Subscription;
            ValueTask lookup = _context.Retained.GetMatching(subscription.Filter, retained, now);
            if (!lookup.IsCompletedSuccessfully)
            {
                _retainedLookups++;
                _ = SendRetainedLaterAsync(lookup, wanted, i, retained, now);
                return;
            }

            DeliverRetained(subscription, retained);
            retained.Clear();
        }
    }

    /// <summary>
    /// The asynchronous part of <see cref="SendRetained"/>: awaits the pending lookup, runs the remaining ones
    /// together, then delivers all of them in subscription order on the connection's executor.
    /// </summary>
    private async Task SendRetainedLaterAsync(ValueTask pending, List<(Subscription Subscription, bool IsNew)> wanted, int index, List<BrokerMessage> first, long now)
    {
        var results = new List<BrokerMessage>[wanted.Count - index];
        results[0] = first;
        try
        {
            var lookups = new Task[results.Length];
            lookups[0] = pending.AsTask();
            for (int i = 1; i < results.Length; i++)
            {
                results[i] = new List<BrokerMessage>();
                lookups[i] = _context.Retained.GetMatching(wanted[index + i].Subscription.Filter, results[i], now).AsTask();
            }

            await Task.WhenAll(lookups).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The store's tasks never fault by contract; a broken store still must not stall this connection.
            _context.ChannelLogger.LogError(ex, "Retained message lookup failed for client {ClientId}", _clientId);
        }

        _connection.Execute(() =>
        {
            _retainedLookups--;
            if (_state == ChannelState.Connected)
            {
                for (int i = 0; i < results.Length; i++)
                {
                    if (results[i] is { } found)
                    {
                        DeliverRetained(wanted[index + i].Subscription, found);
                    }
                }
            }

            ScheduleDrain();
        });
    }

    private void DeliverRetained(Subscription subscription, List<BrokerMessage> retained)
    {
        foreach (BrokerMessage message in retained)
        {
            // [MQTT-3.3.1-8] Retained messages sent because of a new subscription have RETAIN set.
            QualityOfService qos = message.QoS < subscription.QoS ? message.QoS : subscription.QoS;
            ProcessDelivery(new Delivery(message, qos, true, subscription.IdentifierList, null));
        }
    }

    private void OnUnsubscribe(UnsubscribePacket unsubscribe)
    {
        var codes = new ReasonCode[unsubscribe.Filters.Count];
        for (int i = 0; i < codes.Length; i++)
        {
            string filter = unsubscribe.Filters[i];
            if (!TopicValidator.ValidateSubscriptionFilter(filter, default, out _).IsValid)
            {
                codes[i] = ReasonCode.TopicFilterInvalid;
                continue;
            }

            codes[i] = _context.Router.Unsubscribe(_endpoint!, filter) ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted;
        }

        var unsubAck = new UnsubAckPacket
        {
            PacketId = unsubscribe.PacketId,
            ReasonCodes = _version == ProtocolVersion.V500 ? codes : null,
        };
        AfterSubscriptionsStored(codes, () => SendControl(unsubAck));
    }

    /// <summary>
    /// Answers (<paramref name="answer"/>: SUBACK/UNSUBACK) once a persistent session's owner stored its new
    /// subscriptions, when any filter changed: an acknowledged subscription outlives the connection's node. Without a
    /// store the owner answers at once. The subscriptions work from now on either way (MQTT allows PUBLISH before
    /// SUBACK).
    /// </summary>
    private void AfterSubscriptionsStored(ReasonCode[] codes, Action answer)
    {
        Task stored = HasPersistentSession && Array.Exists(codes, c => (byte)c < 0x80)
            ? _context.Sessions.SubscriptionsChanged(_clientId!, _connectionId, _sessionExpiryInterval, _context.Router.GetSubscriptions(_endpoint!))
            : Task.CompletedTask;
        if (stored.IsCompleted)
        {
            answer();
            return;
        }

        stored.ContinueWith(
            _ => _connection.Execute(() =>
            {
                if (_state == ChannelState.Connected)
                {
                    answer();
                }
            }),
            TaskScheduler.Default);
    }
}
