using ClusterBroker.Cluster.Messages;
using static ClusterBroker.Cluster.Serialization.WireFormat;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// The wire format of route replication between the nodes' route replicators: deltas, snapshots in parts,
/// a request for a snapshot, and the acknowledgement of applied routes. Manifests start with R.
/// </summary>
internal static class RouteCodecs
{
    public static readonly MessageCodec[] All =
    [
        MessageCodec.For<RouteDelta>(
            "RD",
            static (w, m) =>
            {
                WriteUniqueAddress(w, m.Origin);
                w.Write(m.Sequence);
                w.Write(m.Changes.Count);
                foreach (RouteChange change in m.Changes)
                {
                    w.Write(change.Added);
                    WriteRoute(w, change.Route);
                }
            },
            static (r, _) =>
            {
                var origin = ReadUniqueAddress(r);
                long sequence = r.ReadInt64();
                var changes = new RouteChange[r.ReadInt32()];
                for (int i = 0; i < changes.Length; i++)
                {
                    changes[i] = new RouteChange(r.ReadBoolean(), ReadRoute(r));
                }

                return new RouteDelta(origin, sequence, changes);
            }),

        MessageCodec.For<RouteSnapshotPart>(
            "RS",
            static (w, m) =>
            {
                WriteUniqueAddress(w, m.Origin);
                w.Write(m.Sequence);
                w.Write(m.Last);
                WriteRoutes(w, m.Routes);
            },
            static (r, _) => new RouteSnapshotPart(ReadUniqueAddress(r), r.ReadInt64(), r.ReadBoolean(), ReadRoutes(r) ?? [])),

        MessageCodec.For<RequestRouteSnapshot>(
            "RQ",
            static (w, m) => WriteUniqueAddress(w, m.Requester),
            static (r, _) => new RequestRouteSnapshot(ReadUniqueAddress(r))),

        MessageCodec.For<RoutesApplied>(
            "RA",
            static (w, m) =>
            {
                WriteUniqueAddress(w, m.Node);
                w.Write(m.Sequence);
            },
            static (r, _) => new RoutesApplied(ReadUniqueAddress(r), r.ReadInt64())),
    ];
}
