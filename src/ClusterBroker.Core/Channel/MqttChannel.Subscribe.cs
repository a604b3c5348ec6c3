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
            if (!validation.IsValid)
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
            var subscription = new Subscription(
                requested.Filter,
                granted,
                v5 && requested.NoLocal,
                v5 && requested.RetainAsPublished,
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

        _connection.Send(new SubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = codes, ReasonString = reason });

        if (retainedWanted is not null)
        {
            long now = _context.NowUnixMs();
            var retained = new List<BrokerMessage>();
            foreach ((Subscription subscription, bool _) in retainedWanted)
            {
                retained.Clear();
                _context.Retained.GetMatching(subscription.Filter, retained, now);
                foreach (BrokerMessage message in retained)
                {
                    // [MQTT-3.3.1-8] Retained messages sent because of a new subscription have RETAIN set.
                    QualityOfService qos = message.QoS < subscription.QoS ? message.QoS : subscription.QoS;
                    ProcessDelivery(new Delivery(message, qos, true, subscription.IdentifierList, null));
                }
            }
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

        _connection.Send(new UnsubAckPacket
        {
            PacketId = unsubscribe.PacketId,
            ReasonCodes = _version == ProtocolVersion.V500 ? codes : null,
        });
    }
}
