namespace ClusterBroker.Core.Routing;

/// <summary>
/// One route a node announces to the cluster: a topic filter with at least one local subscriber, or, with
/// <see cref="Group"/> set, a shared-subscription group (<c>$share/{Group}/{Filter}</c>) with at least one
/// local member. Routes are per (filter, node), never per subscriber. A third kind, <see cref="Persistent"/>, marks a
/// filter with at least one local subscriber whose session is persistent: a publisher writes a message to the publish
/// journal before its acknowledgement only when it reaches such a session (clean subscribers never wait on Redis).
/// </summary>
public readonly record struct RouteKey(string Filter, string? Group = null)
{
    /// <summary>The group name of a persistent marker: '#' is not allowed in a share name, so no group has it.</summary>
    public const string PersistentMarker = "#persistent";

    /// <summary>The marker route of a filter with a persistent-session subscriber on the announcing node.</summary>
    public static RouteKey Persistent(string filter) => new(filter, PersistentMarker);

    public bool IsPersistentMarker => Group == PersistentMarker;

    public bool IsShared => Group is not null && Group != PersistentMarker;

    public override string ToString() => Group is null ? Filter : IsPersistentMarker ? Filter + " (persistent)" : "$share/" + Group + "/" + Filter;
}
