namespace ClusterBroker.Core;

/// <summary>What a client wants to do with a topic.</summary>
public enum AccessKind : byte
{
    /// <summary>Publish to a topic name (a PUBLISH, or the Will).</summary>
    Publish,

    /// <summary>Subscribe with a topic filter.</summary>
    Subscribe,

    /// <summary>Receive a message published on a topic name.</summary>
    Read,
}
