namespace ClusterBroker.Core.Routing;

/// <summary>
/// One route a node announces to the cluster: a topic filter with at least one local subscriber, or, with
/// <see cref="Group"/> set, a shared-subscription group (<c>$share/{Group}/{Filter}</c>) with at least one
/// local member. Routes are per (filter, node), never per subscriber.
/// </summary>
public readonly record struct RouteKey(string Filter, string? Group = null)
{
    public bool IsShared => Group is not null;

    public override string ToString() => Group is null ? Filter : "$share/" + Group + "/" + Filter;
}
