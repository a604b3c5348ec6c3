using ClusterBroker.Cluster;
using ClusterBroker.Core;
using ClusterBroker.Host.Security;
using ClusterBroker.Storage.Redis;
using ClusterBroker.Transport;

namespace ClusterBroker.Host;

/// <summary>Everything <see cref="BrokerHost"/> needs: the protocol limits, the listeners, the cluster and security settings.</summary>
public sealed class BrokerHostSettings
{
    /// <summary>Listeners and sockets (configuration section "Transport").</summary>
    public TransportOptions Transport { get; init; } = new();

    /// <summary>Protocol limits and broker behaviour (configuration section "Broker").</summary>
    public BrokerOptions Broker { get; init; } = new();

    /// <summary>Cluster membership: name, address, seed nodes (configuration section "Cluster").</summary>
    public ClusterOptions Cluster { get; init; } = new();

    /// <summary>Password file, ACL file, anonymous access, brute-force throttle (configuration section "Security").</summary>
    public SecurityOptions Security { get; init; } = new();
    /// <summary>Redis for the cluster's shared state (configuration section "Redis"); not configured = in-memory stores.</summary>
    public RedisOptions Redis { get; init; } = new();

    /// <summary>
    /// The operations HTTP listener: metrics, health, admin API (configuration section "Http"). Null = none, the
    /// default for in-process hosts (tests); the executable always binds it (port 8080 unless configured).
    /// </summary>
    public HttpOptions? Http { get; init; }

    /// <summary>How the node drains before it stops (configuration section "Drain").</summary>
    public DrainOptions Drain { get; init; } = new();

    /// <summary>Where persistent sessions are kept (configuration section "Sessions").</summary>
    public SessionsOptions Sessions { get; init; } = new();

    /// <summary>
    /// Run one compacting, decommitting collection after start-up and whenever the number of
    /// connections grew and settled, so idle connections do not keep the garbage of their handshakes
    /// resident. It acts on the whole process, so it is off for in-process hosts (tests) and on in the
    /// executable (configuration key "Host:CompactHeapAfterConnectionBursts", default true).
    /// </summary>
    public bool CompactHeapAfterConnectionBursts { get; init; }

    /// <summary>Every broken rule of both option sets, as sentences naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        foreach (string error in Broker.GetValidationErrors())
            errors.Add("Broker:" + error);
        IReadOnlyList<string> clusterErrors = Cluster.GetValidationErrors();
        errors.AddRange(clusterErrors);
        if (Http is not null)
            errors.AddRange(Http.GetValidationErrors());
        errors.AddRange(Drain.GetValidationErrors());
        errors.AddRange(Security.GetValidationErrors());
        errors.AddRange(Redis.GetValidationErrors());
        errors.AddRange(Sessions.GetValidationErrors(Redis.IsConfigured));
        if ((Security.RedisUsers || Security.RedisAcl) && !Redis.IsConfigured)
            errors.Add("Security:RedisUsers / Security:RedisAcl (--redis-users, --redis-acl) read users and ACL from Redis: give --redis HOST:PORT too.");
        if (clusterErrors.Count == 0)
            errors.AddRange(StoreModeErrors());
        try
        {
            Transport.Validate();
        }
        catch (ArgumentException ex)
        {
            errors.Add(ex.Message);
        }
        return errors;
    }

    /// <summary>
    /// The mode rule: a node that joins other nodes keeps retained messages in Redis, or says explicitly that each
    /// node keeps its own (Cluster:InMemoryStores); with no seed nodes (or only itself) it is the embedded single node.
    /// </summary>
    private IEnumerable<string> StoreModeErrors()
    {
        if (Redis.IsConfigured && Cluster.InMemoryStores)
        {
            yield return "Cluster:InMemoryStores is true and Redis:Configuration (--redis) is set: choose one (Redis for stores shared by the cluster, or in-memory stores of each node alone).";
        }
        else if (!Redis.IsConfigured && !Cluster.InMemoryStores && !Cluster.FormsOwnCluster())
        {
            yield return $"Cluster:SeedNodes ({Cluster.SeedNodes}) names other nodes, but no Redis is configured: a cluster keeps its retained messages in Redis, so that every node delivers the same ones. Start every node with --redis HOST:PORT (one Redis for the cluster), or add --Cluster:InMemoryStores true to run with in-memory stores, where each node keeps its own retained messages.";
        }
    }
}
