namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>The strategies by configuration name (<see cref="BrokerOptions.SharedSubscriptionStrategy"/>).</summary>
public static class SharedStrategies
{
    public static ISharedStrategy RoundRobin { get; } = new RoundRobinStrategy();

    /// <summary>Every strategy, in the order the documentation lists them.</summary>
    public static IReadOnlyList<ISharedStrategy> All { get; } =
    [
        RoundRobin, new RandomStrategy(), new StickyStrategy(), new HashClientIdStrategy(), new HashTopicStrategy(), new LocalStrategy(),
    ];

    /// <summary>The strategy of that name (case-insensitive); false when there is none.</summary>
    public static bool TryGet(string? name, out ISharedStrategy strategy)
    {
        foreach (ISharedStrategy candidate in All)
        {
            if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                strategy = candidate;
                return true;
            }
        }

        strategy = RoundRobin;
        return false;
    }

    public static string Names => string.Join(", ", All.Select(s => s.Name));
}
