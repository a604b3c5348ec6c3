using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using static ClusterBroker.Cluster.Serialization.WireFormat;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// The wire format of the messages to and from a session entity (sharded by ClientId): attach, detach, queue,
/// restore and move a session, and the parts of a message too large for one frame. Manifests start with S.
/// </summary>
internal static class SessionCodecs
{
    public static readonly MessageCodec[] All =
    [
        MessageCodec.For<AttachSession>(
            "SA",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.CleanStart);
                w.Write(m.ConnectionId);
                WriteActorRef(w, m.Node);
                w.Write(m.SessionExpiryInterval);
                WriteWill(w, m.Will);
            },
            static (r, system) => new AttachSession(r.ReadString(), r.ReadBoolean(), r.ReadInt64(), ReadActorRef(r, system), r.ReadUInt32(), ReadWill(r))),

        MessageCodec.For<DetachSession>(
            "SD",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                WriteActorRef(w, m.Node);
                w.Write(m.SessionExpiryInterval);
                WriteSnapshot(w, m.Snapshot);
                WriteWill(w, m.Will);
            },
            static (r, system) => new DetachSession(r.ReadString(), r.ReadInt64(), ReadActorRef(r, system), r.ReadUInt32(), ReadSnapshot(r), ReadWill(r))),

        MessageCodec.For<EnqueueMessage>(
            "SE",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                WriteQueued(w, m.Message);
                w.Write(m.BouncedFromNode is not null);
                if (m.BouncedFromNode is not null)
                {
                    WriteActorRef(w, m.BouncedFromNode);
                    w.Write(m.BouncedFromConnection);
                }
            },
            static (r, system) =>
            {
                string clientId = r.ReadString();
                QueuedMessage queued = ReadQueued(r);
                return r.ReadBoolean() ? new EnqueueMessage(clientId, queued, ReadActorRef(r, system), r.ReadInt64()) : new EnqueueMessage(clientId, queued);
            }),

        MessageCodec.For<MessagePart>(
            "SP",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.TransferId);
                w.Write(m.Index);
                w.Write(m.Last);
                w.Write(m.Manifest);
                WriteBytes(w, m.Chunk);
            },
            static (r, _) => new MessagePart(r.ReadString(), r.ReadInt64(), r.ReadInt32(), r.ReadBoolean(), r.ReadString(), ReadBytes(r))),

        MessageCodec.For<RestoreSession>(
            "SX",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.Node is not null);
                if (m.Node is not null)
                {
                    WriteActorRef(w, m.Node);
                }

                w.Write(m.Record.Exists);
                w.Write(m.Record.AttachedConnectionId ?? -1);
                w.Write(m.Record.ExpiresAtUnixMs);
                WriteWill(w, m.Record.Will);
                w.Write(m.Record.WillDueAtUnixMs);
                WriteSnapshot(w, m.Record.Offline);
            },
            static (r, system) =>
            {
                string clientId = r.ReadString();
                IActorRef? node = r.ReadBoolean() ? ReadActorRef(r, system) : null;
                bool exists = r.ReadBoolean();
                long attached = r.ReadInt64();
                long expires = r.ReadInt64();
                var will = ReadWill(r);
                long willDue = r.ReadInt64();
                var record = new SessionRecord(exists, attached < 0 ? null : attached, expires, will, willDue, ReadSnapshot(r));
                return new RestoreSession(clientId, node, record);
            }),

        MessageCodec.For<SessionEndpointMoved>(
            "SM",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                WriteActorRef(w, m.Node);
            },
            static (r, system) => new SessionEndpointMoved(r.ReadString(), ReadActorRef(r, system))),

        MessageCodec.For<SessionAttachConfirmed>(
            "SC",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
            },
            static (r, _) => new SessionAttachConfirmed(r.ReadString(), r.ReadInt64())),

        MessageCodec.For<SessionRoutesReady>(
            "SY",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
            },
            static (r, _) => new SessionRoutesReady(r.ReadString(), r.ReadInt64())),

        MessageCodec.For<SessionSubscriptionsChanged>(
            "SU",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                WriteActorRef(w, m.Node);
                w.Write(m.SessionExpiryInterval);
                WriteSubscriptions(w, m.Subscriptions);
                w.Write(m.RequestId);
            },
            static (r, system) => new SessionSubscriptionsChanged(r.ReadString(), r.ReadInt64(), ReadActorRef(r, system), r.ReadUInt32(), ReadSubscriptions(r), r.ReadInt64())),

        MessageCodec.For<RecoverSession>(
            "SR",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.DeadNode);
            },
            static (r, _) => new RecoverSession(r.ReadString(), r.ReadString())),

        MessageCodec.For<QuerySessionQueue>(
            "SQ",
            static (w, m) => w.Write(m.ClientId),
            static (r, _) => new QuerySessionQueue(r.ReadString())),

        MessageCodec.For<SessionQueueReport>(
            "SK",
            static (w, m) =>
            {
                w.Write(m.ClientId);
                w.Write(m.Exists);
                w.Write(m.Online);
                w.Write(m.Queued);
                w.Write(m.Inflight);
            },
            static (r, _) => new SessionQueueReport(r.ReadString(), r.ReadBoolean(), r.ReadBoolean(), r.ReadInt32(), r.ReadInt32())),
    ];
}
