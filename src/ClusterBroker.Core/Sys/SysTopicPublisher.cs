using System.Globalization;
using System.Text;
using ClusterBroker.Core.Connections;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Sys;

/// <summary>
/// Publishes the node's $SYS/broker/... topics (retained, QoS 0, like Mosquitto): version, uptime,
/// clients connected/total, messages and bytes received/sent, subscription and retained counts, refused CONNECTs and
/// what the ACL refused. The
/// composition root calls <see cref="PublishAll"/> every <see cref="BrokerOptions.SysInterval"/>.
/// Topics starting with '$' are not matched by filters starting with a wildcard ([MQTT-4.7.2-1]).
/// </summary>
/// <remarks>Other layers add their own counters (the cluster's) through <c>extraCounters</c>, read at each publication.</remarks>
public sealed class SysTopicPublisher(BrokerContext context, Func<IEnumerable<KeyValuePair<string, long>>>? extraCounters = null)
{
    public const string Version = "$SYS/broker/version";
    public const string Uptime = "$SYS/broker/uptime";
    public const string ClientsConnected = "$SYS/broker/clients/connected";
    public const string ClientsTotal = "$SYS/broker/clients/total";
    public const string MessagesReceived = "$SYS/broker/messages/received";
    public const string MessagesSent = "$SYS/broker/messages/sent";
    public const string BytesReceived = "$SYS/broker/bytes/received";
    public const string BytesSent = "$SYS/broker/bytes/sent";
    public const string SubscriptionsCount = "$SYS/broker/subscriptions/count";
    public const string RetainedCount = "$SYS/broker/retained messages/count";
    public const string AuthenticationFailures = "$SYS/broker/security/authentication/failures";
    public const string PublishesDenied = "$SYS/broker/security/publishes/denied";
    public const string SubscriptionsDenied = "$SYS/broker/security/subscriptions/denied";
    public const string DeliveriesDenied = "$SYS/broker/security/deliveries/denied";
    public const string RepeatsSuppressed = "$SYS/broker/messages/repeats-suppressed";
    public const string ReplayRepeatsSkipped = "$SYS/broker/messages/replay-repeats-skipped";
    public const string SharedQueued = "$SYS/broker/shared/queued";
    public const string SharedWaiting = "$SYS/broker/shared/waiting";
    public const string SharedDropped = "$SYS/broker/shared/dropped";

    /// <summary>Followed by the name of a <see cref="QuotaEvent"/>, e.g. $SYS/broker/quotas/publish-rate-throttled.</summary>
    public const string QuotaPrefix = "$SYS/broker/quotas/";

    /// <summary>Publishes every $SYS topic once with the current values.</summary>
    public void PublishAll()
    {
        BrokerMetrics metrics = context.Metrics;
        long uptime = (long)(context.TimeProvider.GetUtcNow() - context.StartedAt).TotalSeconds;
        Publish(Version, "ClusterBroker " + context.Options.Version);
        Publish(Uptime, uptime.ToString(CultureInfo.InvariantCulture) + " seconds");
        Publish(ClientsConnected, metrics.ClientsConnected);
        Publish(ClientsTotal, context.Router.SessionCount);
        Publish(MessagesReceived, metrics.MessagesReceived);
        Publish(MessagesSent, metrics.MessagesSent);
        Publish(BytesReceived, metrics.BytesReceived);
        Publish(BytesSent, metrics.BytesSent);
        Publish(SubscriptionsCount, context.Router.SubscriptionCount);

        Publish(RetainedCount, context.Retained.Count);
        Publish(AuthenticationFailures, metrics.AuthenticationFailures);
        Publish(PublishesDenied, metrics.PublishesDenied);
        Publish(SubscriptionsDenied, metrics.SubscriptionsDenied);
        Publish(DeliveriesDenied, metrics.DeliveriesDenied);
        Publish(RepeatsSuppressed, metrics.RepeatsSuppressed);
        Publish(ReplayRepeatsSkipped, context.Router.ReplayRepeatsSkipped);
        Publish(SharedQueued, context.Router.SharedMessagesQueued);
        Publish(SharedWaiting, context.Router.SharedMessagesWaiting);
        Publish(SharedDropped, context.Router.SharedMessagesDropped);
        foreach (QuotaEvent quotaEvent in Enum.GetValues<QuotaEvent>())
        {
            Publish(QuotaPrefix + BrokerMetrics.QuotaEventName(quotaEvent), metrics.QuotaEvents(quotaEvent));
        }
        if (extraCounters is not null)
        {
            foreach (KeyValuePair<string, long> counter in extraCounters())
            {
                Publish(counter.Key, counter.Value);
            }
        }
    }

    private void Publish(string topic, long value) => Publish(topic, value.ToString(CultureInfo.InvariantCulture));

    private void Publish(string topic, string value) => context.Publish(new BrokerMessage
    {
        Topic = topic,
        Payload = Encoding.UTF8.GetBytes(value),
        QoS = QualityOfService.AtMostOnce,
        Retain = true,
    });
}
