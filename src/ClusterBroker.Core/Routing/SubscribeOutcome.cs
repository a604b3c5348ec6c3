namespace ClusterBroker.Core.Routing;

/// <summary>What <see cref="NodeRouter.Subscribe"/> did.</summary>
public enum SubscribeOutcome
{
    /// <summary>A new subscription.</summary>
    Added,

    /// <summary>An existing subscription with the same filter was replaced ([MQTT-3.8.4-3]).</summary>
    Replaced,

    /// <summary>Refused: the client holds <see cref="BrokerOptions.MaxSubscriptionsPerClient"/> subscriptions already.</summary>
    QuotaExceeded,
}
