using System.Globalization;

namespace ClusterBroker.Cluster;

/// <summary>
/// How a node finds and forms its cluster (configuration section "Cluster"; command-line switches
/// --cluster-name, --cluster-host, --cluster-bind, --cluster-port, --seed-nodes). A node whose seed list is
/// empty or names only itself forms a new cluster; otherwise it joins the first seed that answers (and, as
/// the first seed of the list, forms one only when none of the others answers, so a restarted first seed
/// rejoins the running cluster).
/// </summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Cluster";

    /// <summary>Name of the cluster (the Akka actor system); every node of one cluster uses the same.</summary>
    public string Name { get; set; } = "cluster-broker";

    /// <summary>The host name or address other nodes use to reach this one (e.g. the pod's DNS name).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The address the cluster endpoint binds to; empty = <see cref="Host"/> (set 0.0.0.0 behind NAT or in a pod).</summary>
    public string BindHost { get; set; } = "";

    /// <summary>Cluster (Akka.Remote) port; 0 picks a free one (fine for a single node).</summary>
    public int Port { get; set; }

    /// <summary>
    /// Port of this node's forward link listener: the direct TCP connection every other node opens to it for the PUBLISH
    /// messages it forwards here (cheaper and quicker than Akka remoting). 0 = any free port (each node tells the others
    /// which through its cluster role); -1 = no forward links, messages are forwarded through Akka remoting. Binds to the
    /// same address as the cluster port.
    /// </summary>
    public int ForwardPort { get; set; }

    /// <summary>Comma-separated host:port list of seed nodes; empty = this node forms a cluster of its own.</summary>
    public string SeedNodes { get; set; } = "";

    /// <summary>
    /// The split-brain resolver (keep-majority) downs unreachable nodes once membership has been stable
    /// this long. Shorter means faster recovery from a crash, longer tolerates longer pauses (GC, network).
    /// </summary>
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a member's heartbeats (four a second) may be missing before the failure detector counts it as unreachable
    /// (Akka's acceptable-heartbeat-pause). A crashed node is found unreachable about this long plus 0.55 s
    /// after it died, and downed <see cref="StableAfter"/> later; shorter finds crashes sooner, longer tolerates longer
    /// pauses (GC, a saturated machine or network) before a node fences itself and its clients move.
    /// </summary>
    public TimeSpan FailureDetectionPause { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Largest message the cluster transport carries (bytes). Forwarded PUBLISH batches close below 64 KiB,
    /// and session state moves in 64 KiB chunks, so only one application message of the maximum packet
    /// size needs more: the effective frame size is the larger of this and MaximumPacketSize + 64 KiB.
    /// </summary>
    public int MaximumFrameSize { get; set; } = 256 * 1024;

    /// <summary>
    /// Explicitly chooses in-memory stores (retained messages of each node alone) for a node whose seed list names
    /// other nodes. A cluster normally keeps these in Redis (--redis), and a node given other seed nodes without
    /// Redis refuses to start unless this says the per-node stores are intended (e.g. a one-node cluster whose
    /// seed list names future members, or a test).
    /// </summary>
    public bool InMemoryStores { get; set; }

    /// <summary>The seed nodes as (host, port) pairs, in the order given.</summary>
    public IReadOnlyList<(string Host, int Port)> ParseSeedNodes()
    {
        var seeds = new List<(string, int)>();
        foreach (string entry in SeedNodes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65_535)
            {
                throw new ArgumentException($"Cluster:SeedNodes entry '{entry}' is not host:port (port 1-65535).");
            }

            seeds.Add((entry[..colon].Trim('[', ']'), port));
        }

        return seeds;
    }

    /// <summary>Every rule the options break, as sentences naming the option; empty when valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (Port is < 0 or > 65_535)
        {
            errors.Add($"Cluster:Port must be between 0 (any free port) and 65535 (was {Port}).");
        }

        if (ForwardPort is < -1 or > 65_535)
        {
            errors.Add($"Cluster:ForwardPort must be -1 (no forward links), 0 (any free port) or a port up to 65535 (was {ForwardPort}).");
        }
        else if (ForwardPort > 0 && ForwardPort == Port)
        {
            errors.Add($"Cluster:ForwardPort must differ from Cluster:Port (both were {Port}).");
        }

        if (string.IsNullOrWhiteSpace(Host))
        {
            errors.Add("Cluster:Host must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(Name) || !IsActorSystemName(Name))
        {
            errors.Add($"Cluster:Name must be letters, digits, '-' or '_' and start with a letter or digit (was '{Name}').");
        }

        if (StableAfter < TimeSpan.FromSeconds(1))
        {
            errors.Add($"Cluster:StableAfter must be at least 1 second (was {StableAfter}).");
        }

        if (FailureDetectionPause < TimeSpan.FromSeconds(1))
        {
            errors.Add($"Cluster:FailureDetectionPause must be at least 1 second (was {FailureDetectionPause}).");
        }

        if (MaximumFrameSize < 128 * 1024)
        {
            errors.Add($"Cluster:MaximumFrameSize must be at least 131072 bytes (was {MaximumFrameSize}).");
        }

        try
        {
            IReadOnlyList<(string Host, int Port)> seeds = ParseSeedNodes();
            if (seeds.Count > 0 && Port == 0)
            {
                errors.Add("Cluster:Port must be set (not 0) when Cluster:SeedNodes is given: other nodes reach this one on it.");
            }
        }
        catch (ArgumentException ex)
        {
            errors.Add(ex.Message);
        }

        return errors;
    }

    /// <summary>True when the seed list is empty or names only this node: the node forms a new cluster.</summary>
    public bool FormsOwnCluster()
    {
        foreach ((string host, int port) in ParseSeedNodes())
        {
            if (port != Port || !string.Equals(host, Host, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    public ClusterOptions Clone() => (ClusterOptions)MemberwiseClone();

    private static bool IsActorSystemName(string name)
    {
        if (!char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
