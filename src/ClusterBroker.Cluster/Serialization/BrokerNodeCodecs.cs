using ClusterBroker.Cluster.Messages;
using ClusterBroker.Protocol;
using static ClusterBroker.Cluster.Serialization.WireFormat;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// The wire format of the commands to a broker node (the node that holds a connection) and of its replies:
/// deliver, disconnect, publish a Will, report connections, host a session's endpoint. Manifests start with N.
/// </summary>
internal static class BrokerNodeCodecs
{
    public static readonly MessageCodec[] All =
    [
        MessageCodec.For<SessionAttached>(
            "NA",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                w.Write(m.SessionPresent);
                w.Write(m.SessionExpiryInterval);
                WriteSnapshot(w, m.Snapshot);
            },
            static (r, _) => new SessionAttached(r.ReadString(), r.ReadInt64(), r.ReadBoolean(), r.ReadUInt32(), ReadSnapshot(r))),

        MessageCodec.For<DisconnectConnection>(
            "ND",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                w.Write((byte)m.ReasonCode);
            },
            static (r, _) => new DisconnectConnection(r.ReadString(), r.ReadInt64(), (ReasonCode)r.ReadByte())),

        MessageCodec.For<ConnectionClosed>(
            "NC",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
            },
            static (r, _) => new ConnectionClosed(r.ReadString(), r.ReadInt64())),

        MessageCodec.For<DeliverToConnection>(
            "NM",
            static (w, m) =>
            {
                w.Write(m.ConnectionId);
                w.Write(m.ClientId);
                WriteQueued(w, m.Message);
            },
            static (r, _) => new DeliverToConnection(r.ReadInt64(), r.ReadString(), ReadQueued(r))),

        MessageCodec.For<PublishWill>(
            "NW",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                WriteMessage(w, m.Message);
            },
            static (r, _) => new PublishWill(r.ReadString(), ReadMessage(r))),

        MessageCodec.For<ForgetSession>(
            "NF",
            static (w, m) => w.Write(m.ClientId),
            static (r, _) => new ForgetSession(r.ReadString())),

        MessageCodec.For<ReportConnections>(
            "NR",
            static (w, m) =>
            {
                w.Write(m.Bucket);
                w.Write(m.BucketCount);
            },
            static (r, _) => new ReportConnections(r.ReadInt32(), r.ReadInt32())),

        MessageCodec.For<ConnectionsReport>(
            "NL",
            static (w, m) =>
            {
                w.Write(m.Connections.Count);
                foreach (ConnectionEntry entry in m.Connections)
                {
                    w.Write(entry.ClientId);
                    w.Write(entry.ConnectionId);
                    w.Write(entry.Persistent);
                }
            },
            static (r, _) =>
            {
                var entries = new ConnectionEntry[r.ReadInt32()];
                for (int i = 0; i < entries.Length; i++)
                {
                    entries[i] = new ConnectionEntry(r.ReadString(), r.ReadInt64(), r.ReadBoolean());
                }

                return new ConnectionsReport(entries);
            }),

        MessageCodec.For<HostSessionEndpoint>(
            "NH",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                WriteSubscriptions(w, m.Subscriptions);
            },
            static (r, _) => new HostSessionEndpoint(r.ReadString(), ReadSubscriptions(r))),

        MessageCodec.For<SubscriptionsStored>(
            "NS",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.RequestId);
            },
            static (r, _) => new SubscriptionsStored(r.ReadString(), r.ReadInt64())),

        MessageCodec.For<ReplayToSession>(
            "NQ",
            static (w, m) =>
            {
                w.Write(m.DeadNode);
                w.Write(m.ClientId);
                WriteSubscriptions(w, m.Subscriptions);
            },
            static (r, _) => new ReplayToSession(r.ReadString(), r.ReadString(), ReadSubscriptions(r))),

        MessageCodec.For<AwaitHostedRoutes>(
            "NB",
            static (w, m) => w.Write(m.Endpoints),
            static (r, _) => new AwaitHostedRoutes(r.ReadInt32())),

        MessageCodec.For<HostedRoutesPropagated>(
            "NP",
            static (w, m) => w.Write(m.Everywhere),
            static (r, _) => new HostedRoutesPropagated(r.ReadBoolean())),
    ];
}
