namespace ClusterBroker.Protocol.Codec;

/// <summary>Where an MQTT 5.0 property may appear: packet types, plus the Will Properties of CONNECT.</summary>
[Flags]
public enum PropertyTargets : ushort
{
    None = 0,
    Connect = 1 << 0,
    ConnAck = 1 << 1,
    Publish = 1 << 2,
    PubAck = 1 << 3,
    PubRec = 1 << 4,
    PubRel = 1 << 5,
    PubComp = 1 << 6,
    Subscribe = 1 << 7,
    SubAck = 1 << 8,
    Unsubscribe = 1 << 9,
    UnsubAck = 1 << 10,
    Disconnect = 1 << 11,
    Auth = 1 << 12,

    /// <summary>The Will Properties in the CONNECT payload (3.1.3.2).</summary>
    Will = 1 << 13,
}
