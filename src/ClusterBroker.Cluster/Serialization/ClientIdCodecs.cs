using ClusterBroker.Cluster.Messages;
using static ClusterBroker.Cluster.Serialization.WireFormat;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// The wire format of the messages to and from the cluster-wide ClientId registry: claim and release a
/// ClientId, and note that a persistent session exists or ended. Manifests start with C.
/// </summary>
internal static class ClientIdCodecs
{
    public static readonly MessageCodec[] All =
    [
        MessageCodec.For<ClaimClientId>(
            "CC",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                WriteActorRef(w, m.Node);
            },
            static (r, system) => new ClaimClientId(r.ReadString(), r.ReadInt64(), ReadActorRef(r, system))),

        MessageCodec.For<ClientIdClaimed>(
            "CD",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                w.Write(m.SessionMayExist);
            },
            static (r, _) => new ClientIdClaimed(r.ReadString(), r.ReadInt64(), r.ReadBoolean())),

        MessageCodec.For<ReleaseClientId>(
            "CR",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                WriteActorRef(w, m.Node);
            },
            static (r, system) => new ReleaseClientId(r.ReadString(), r.ReadInt64(), ReadActorRef(r, system))),

        MessageCodec.For<PersistentSessionExists>(
            "CP",
            static (w, m) => w.Write(m.ClientId),
            static (r, _) => new PersistentSessionExists(r.ReadString())),

        MessageCodec.For<PersistentSessionEnded>(
            "CE",
            static (w, m) => w.Write(m.ClientId),
            static (r, _) => new PersistentSessionEnded(r.ReadString())),
    ];
}
