namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// Upper bounds of every wait in this project. Generous enough for a loaded 2-core CI machine, small
/// enough that a broken cluster fails the run in minutes, not hours.
/// </summary>
public static class Timeouts
{
    /// <summary>A message, a log line, a counter value.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    /// <summary>Disconnecting a client, killing a process that should already be gone.</summary>
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    /// <summary>A node process from its start to its listening line (it listens once it is a cluster member).</summary>
    public static readonly TimeSpan NodeStart = TimeSpan.FromSeconds(45);

    /// <summary>A node leaving gracefully and its process exiting.</summary>
    public static readonly TimeSpan NodeStop = TimeSpan.FromSeconds(30);

    /// <summary>Membership changes: joins, leaves, and the downing of a crashed node (StableAfter 3 s plus failure detection).</summary>
    public static readonly TimeSpan Membership = TimeSpan.FromSeconds(30);

    /// <summary>MQTT round trips of one client (CONNECT, SUBSCRIBE, PUBLISH with its acknowledgement).</summary>
    public static readonly TimeSpan Mqtt = TimeSpan.FromSeconds(15);
}
