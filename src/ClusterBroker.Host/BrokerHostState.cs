namespace ClusterBroker.Host;

/// <summary>
/// What the HTTP endpoints read: the running host once the node is up (null while it joins the cluster, so
/// /health/ready answers "starting" and /health/live already answers), and the settings it runs with.
/// </summary>
internal sealed class BrokerHostState(BrokerHostSettings settings)
{
    private volatile BrokerHost? _host;

    public BrokerHostSettings Settings { get; } = settings;

    public BrokerHost? Host
    {
        get => _host;
        set => _host = value;
    }
}
