using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using static ClusterBroker.Cluster.Serialization.WireFormat;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// The explicit binary serializer of every message that may cross nodes (bound to
/// <see cref="IClusterBrokerMessage"/>): a short string manifest per type and a compact, versioned layout
/// written by hand (<see cref="WireFormat"/>). Never the default JSON serializer, never Hyperion. The first
/// byte is the layout version: a node refuses (with a SerializationException naming it) a version it does not know.
/// </summary>
public sealed class ClusterBrokerSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7311;
    // 3: AttachSession carries the Will (durable sessions); SessionSubscriptionsChanged and RecoverSession added.
    // 4: every message carries its identity (BrokerMessage.Id), for a moving session's duplicate detection.
    public const byte LayoutVersion = 4;

    private const string AttachManifest = "SA";
    private const string DetachManifest = "SD";
    private const string EnqueueManifest = "SE";
    private const string PartManifest = "SP";
    private const string AttachedManifest = "NA";
    private const string DisconnectManifest = "ND";
    private const string ClosedManifest = "NC";
    private const string DeliverManifest = "NM";
    private const string WillManifest = "NW";
    private const string ForgetManifest = "NF";
    private const string ReportManifest = "NR";
    private const string ReportedManifest = "NL";
    private const string ClaimManifest = "CC";
    private const string ClaimedManifest = "CD";
    private const string ReleaseManifest = "CR";
    private const string DeltaManifest = "RD";
    private const string SnapshotManifest = "RS";
    private const string SnapshotRequestManifest = "RQ";
    internal const string ForwardManifest = "FB";
    internal const string MarkerManifest = "FM";
    private const string RestoreManifest = "SX";
    private const string MovedManifest = "SM";
    private const string HostManifest = "NH";
    private const string PersistentManifest = "CP";
    private const string EndedManifest = "CE";
    private const string ConfirmedManifest = "SC";
    private const string AppliedManifest = "RA";
    private const string RoutesReadyManifest = "SY";
    private const string SubscriptionsChangedManifest = "SU";
    private const string RecoverManifest = "SR";
    private const string StoredManifest = "NS";
    private const string ReplayManifest = "NQ";
    private const string AwaitHostedManifest = "NB";
    private const string HostedPropagatedManifest = "NP";
    private const string QueryQueueManifest = "SQ";
    private const string QueueReportManifest = "SK";

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        AttachSession => AttachManifest,
        DetachSession => DetachManifest,
        EnqueueMessage => EnqueueManifest,
        MessagePart => PartManifest,
        SessionAttached => AttachedManifest,
        DisconnectConnection => DisconnectManifest,
        ConnectionClosed => ClosedManifest,
        DeliverToConnection => DeliverManifest,
        PublishWill => WillManifest,
        ForgetSession => ForgetManifest,
        ReportConnections => ReportManifest,
        ConnectionsReport => ReportedManifest,
        ClaimClientId => ClaimManifest,
        ClientIdClaimed => ClaimedManifest,
        ReleaseClientId => ReleaseManifest,
        RouteDelta => DeltaManifest,
        RouteSnapshotPart => SnapshotManifest,
        RequestRouteSnapshot => SnapshotRequestManifest,
        ForwardBatch => ForwardManifest,
        ForwardMarker => MarkerManifest,
        RestoreSession => RestoreManifest,
        SessionEndpointMoved => MovedManifest,
        HostSessionEndpoint => HostManifest,
        PersistentSessionExists => PersistentManifest,
        PersistentSessionEnded => EndedManifest,
        SessionAttachConfirmed => ConfirmedManifest,
        RoutesApplied => AppliedManifest,
        SessionRoutesReady => RoutesReadyManifest,
        SessionSubscriptionsChanged => SubscriptionsChangedManifest,
        RecoverSession => RecoverManifest,
        SubscriptionsStored => StoredManifest,
        ReplayToSession => ReplayManifest,
        AwaitHostedRoutes => AwaitHostedManifest,
        HostedRoutesPropagated => HostedPropagatedManifest,
        QuerySessionQueue => QueryQueueManifest,
        SessionQueueReport => QueueReportManifest,
        _ => throw new ArgumentException($"Cannot serialize {o.GetType()}.", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(LayoutVersion);
            Write(w, obj);
        }

        return stream.ToArray();
    }

    /// <summary>
    /// <paramref name="obj"/> as a forward link frame (<see cref="Links.ForwardLinkProtocol"/>): its length, then
    /// <paramref name="kind"/>, then the same bytes <see cref="ToBinary"/> gives, in one array.
    /// </summary>
    public byte[] ToFrame(byte kind, object obj)
    {
        using var stream = new MemoryStream();
        WriteFrame(stream, kind, obj);
        return stream.ToArray();
    }

    /// <summary>Appends <paramref name="obj"/> as a forward link frame to <paramref name="stream"/> (several frames share one buffer).</summary>
    public void WriteFrame(MemoryStream stream, byte kind, object obj)
    {
        long start = stream.Length;
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(0); // the length, set below
            w.Write(kind);
            w.Write(LayoutVersion);
            Write(w, obj);
        }

        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(stream.GetBuffer().AsSpan((int)start), (int)(stream.Length - start - 4));
    }

    public override object FromBinary(byte[] bytes, string manifest) => FromBinary(new ArraySegment<byte>(bytes), manifest);

    /// <summary>Reads a message from part of a buffer (a forward link's frame) without copying it out first.</summary>
    public object FromBinary(ArraySegment<byte> bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false), Encoding.UTF8);
        byte version = r.ReadByte();
        if (version != LayoutVersion)
        {
            throw new SerializationException($"Unknown layout version {version} for manifest {manifest} (this node reads version {LayoutVersion}).");
        }

        try
        {
            return Read(r, manifest);
        }
        catch (EndOfStreamException ex)
        {
            throw new SerializationException($"Truncated message with manifest '{manifest}'.", ex);
        }
    }

    private static void Write(BinaryWriter w, object obj)
    {
        switch (obj)
        {
            case AttachSession m:
                w.Write(m.ClientId);
                w.Write(m.CleanStart);
                w.Write(m.ConnectionId);
                WriteActorRef(w, m.Node);
                w.Write(m.SessionExpiryInterval);
                WriteWill(w, m.Will);
                break;
            case DetachSession m:
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                WriteActorRef(w, m.Node);
                w.Write(m.SessionExpiryInterval);
                WriteSnapshot(w, m.Snapshot);
                WriteWill(w, m.Will);
                break;
            case EnqueueMessage m:
                w.Write(m.ClientId);
                WriteQueued(w, m.Message);
                w.Write(m.BouncedFromNode is not null);
                if (m.BouncedFromNode is not null)
                {
                    WriteActorRef(w, m.BouncedFromNode);
                    w.Write(m.BouncedFromConnection);
                }
                break;
            case MessagePart m:
                w.Write(m.ClientId);
                w.Write(m.TransferId);
                w.Write(m.Index);
                w.Write(m.Last);
                w.Write(m.Manifest);
                WriteBytes(w, m.Chunk);
                break;
            case SessionAttached m:
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                w.Write(m.SessionPresent);
                w.Write(m.SessionExpiryInterval);
                WriteSnapshot(w, m.Snapshot);
                break;
            case DisconnectConnection m:
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                w.Write((byte)m.ReasonCode);
                break;
            case ConnectionClosed m:
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                break;
            case DeliverToConnection m:
                w.Write(m.ConnectionId);
                w.Write(m.ClientId);
                WriteQueued(w, m.Message);
                break;
            case PublishWill m:
                w.Write(m.ClientId);
                WriteMessage(w, m.Message);
                break;
            case ForgetSession m:
                w.Write(m.ClientId);
                break;
            case AwaitHostedRoutes m:
                w.Write(m.Endpoints);
                break;
            case ForwardMarker m:
                w.Write(m.Id);
                break;
            case HostedRoutesPropagated m:
                w.Write(m.Everywhere);
                break;
            case QuerySessionQueue m:
                w.Write(m.ClientId);
                break;
            case SessionQueueReport m:
                w.Write(m.ClientId);
                w.Write(m.Exists);
                w.Write(m.Online);
                w.Write(m.Queued);
                w.Write(m.Inflight);
                break;
            case ReportConnections m:
                w.Write(m.Bucket);
                w.Write(m.BucketCount);
                break;
            case ConnectionsReport m:
                w.Write(m.Connections.Count);
                foreach (ConnectionEntry entry in m.Connections)
                {
                    w.Write(entry.ClientId);
                    w.Write(entry.ConnectionId);
                    w.Write(entry.Persistent);
                }

                break;
            case ClaimClientId m:
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                WriteActorRef(w, m.Node);
                break;
            case ClientIdClaimed m:
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                w.Write(m.SessionMayExist);
                break;
            case PersistentSessionExists m:
                w.Write(m.ClientId);
                break;
            case PersistentSessionEnded m:
                w.Write(m.ClientId);
                break;
            case SessionAttachConfirmed m:
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                break;
            case SessionRoutesReady m:
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                break;
            case RoutesApplied m:
                WriteUniqueAddress(w, m.Node);
                w.Write(m.Sequence);
                break;
            case ReleaseClientId m:
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                WriteActorRef(w, m.Node);
                break;
            case RouteDelta m:
                WriteUniqueAddress(w, m.Origin);
                w.Write(m.Sequence);
                w.Write(m.Changes.Count);
                foreach (RouteChange change in m.Changes)
                {
                    w.Write(change.Added);
                    WriteRoute(w, change.Route);
                }

                break;
            case RouteSnapshotPart m:
                WriteUniqueAddress(w, m.Origin);
                w.Write(m.Sequence);
                w.Write(m.Last);
                WriteRoutes(w, m.Routes);
                break;
            case RequestRouteSnapshot m:
                WriteUniqueAddress(w, m.Requester);
                break;
            case ForwardBatch m:
                w.Write(m.Messages.Count);
                foreach (ForwardedMessage forward in m.Messages)
                {
                    WriteMessage(w, forward.Message);
                    w.Write(forward.Plain);
                    WriteRoutes(w, forward.Groups);
                    w.Write(forward.Hops);
                }

                break;
            case RestoreSession m:
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
                break;
            case SessionEndpointMoved m:
                w.Write(m.ClientId);
                WriteActorRef(w, m.Node);
                break;
            case HostSessionEndpoint m:
                w.Write(m.ClientId);
                WriteSubscriptions(w, m.Subscriptions);
                break;
            case SessionSubscriptionsChanged m:
                w.Write(m.ClientId);
                w.Write(m.ConnectionId);
                WriteActorRef(w, m.Node);
                w.Write(m.SessionExpiryInterval);
                WriteSubscriptions(w, m.Subscriptions);
                w.Write(m.RequestId);
                break;
            case RecoverSession m:
                w.Write(m.ClientId);
                w.Write(m.DeadNode);
                break;
            case SubscriptionsStored m:
                w.Write(m.ClientId);
                w.Write(m.RequestId);
                break;
            case ReplayToSession m:
                w.Write(m.DeadNode);
                w.Write(m.ClientId);
                WriteSubscriptions(w, m.Subscriptions);
                break;
            default:
                throw new ArgumentException($"Cannot serialize {obj.GetType()}.", nameof(obj));
        }
    }

    private object Read(BinaryReader r, string manifest)
    {
        switch (manifest)
        {
            case AttachManifest:
                return new AttachSession(r.ReadString(), r.ReadBoolean(), r.ReadInt64(), ReadActorRef(r, system), r.ReadUInt32(), ReadWill(r));
            case DetachManifest:
                return new DetachSession(r.ReadString(), r.ReadInt64(), ReadActorRef(r, system), r.ReadUInt32(), ReadSnapshot(r), ReadWill(r));
            case EnqueueManifest:
            {
                string clientId = r.ReadString();
                QueuedMessage queued = ReadQueued(r);
                return r.ReadBoolean() ? new EnqueueMessage(clientId, queued, ReadActorRef(r, system), r.ReadInt64()) : new EnqueueMessage(clientId, queued);
            }

            case PartManifest:
                return new MessagePart(r.ReadString(), r.ReadInt64(), r.ReadInt32(), r.ReadBoolean(), r.ReadString(), ReadBytes(r));
            case AttachedManifest:
                return new SessionAttached(r.ReadString(), r.ReadInt64(), r.ReadBoolean(), r.ReadUInt32(), ReadSnapshot(r));
            case DisconnectManifest:
                return new DisconnectConnection(r.ReadString(), r.ReadInt64(), (ReasonCode)r.ReadByte());
            case ClosedManifest:
                return new ConnectionClosed(r.ReadString(), r.ReadInt64());
            case DeliverManifest:
                return new DeliverToConnection(r.ReadInt64(), r.ReadString(), ReadQueued(r));
            case WillManifest:
                return new PublishWill(r.ReadString(), ReadMessage(r));
            case ForgetManifest:
                return new ForgetSession(r.ReadString());
            case AwaitHostedManifest:
                return new AwaitHostedRoutes(r.ReadInt32());
            case MarkerManifest:
                return new ForwardMarker(r.ReadInt64());
            case HostedPropagatedManifest:
                return new HostedRoutesPropagated(r.ReadBoolean());
            case QueryQueueManifest:
                return new QuerySessionQueue(r.ReadString());
            case QueueReportManifest:
                return new SessionQueueReport(r.ReadString(), r.ReadBoolean(), r.ReadBoolean(), r.ReadInt32(), r.ReadInt32());
            case ReportManifest:
                return new ReportConnections(r.ReadInt32(), r.ReadInt32());
            case ReportedManifest:
            {
                var entries = new ConnectionEntry[r.ReadInt32()];
                for (int i = 0; i < entries.Length; i++)
                {
                    entries[i] = new ConnectionEntry(r.ReadString(), r.ReadInt64(), r.ReadBoolean());
                }

                return new ConnectionsReport(entries);
            }

            case ClaimManifest:
                return new ClaimClientId(r.ReadString(), r.ReadInt64(), ReadActorRef(r, system));
            case ClaimedManifest:
                return new ClientIdClaimed(r.ReadString(), r.ReadInt64(), r.ReadBoolean());
            case PersistentManifest:
                return new PersistentSessionExists(r.ReadString());
            case EndedManifest:
                return new PersistentSessionEnded(r.ReadString());
            case ConfirmedManifest:
                return new SessionAttachConfirmed(r.ReadString(), r.ReadInt64());
            case RoutesReadyManifest:
                return new SessionRoutesReady(r.ReadString(), r.ReadInt64());
            case AppliedManifest:
                return new RoutesApplied(ReadUniqueAddress(r), r.ReadInt64());
            case ReleaseManifest:
                return new ReleaseClientId(r.ReadString(), r.ReadInt64(), ReadActorRef(r, system));
            case DeltaManifest:
            {
                var origin = ReadUniqueAddress(r);
                long sequence = r.ReadInt64();
                var changes = new RouteChange[r.ReadInt32()];
                for (int i = 0; i < changes.Length; i++)
                {
                    changes[i] = new RouteChange(r.ReadBoolean(), ReadRoute(r));
                }

                return new RouteDelta(origin, sequence, changes);
            }

            case SnapshotManifest:
                return new RouteSnapshotPart(ReadUniqueAddress(r), r.ReadInt64(), r.ReadBoolean(), ReadRoutes(r) ?? []);
            case SnapshotRequestManifest:
                return new RequestRouteSnapshot(ReadUniqueAddress(r));
            case ForwardManifest:
            {
                var messages = new ForwardedMessage[r.ReadInt32()];
                for (int i = 0; i < messages.Length; i++)
                {
                    messages[i] = new ForwardedMessage(ReadMessage(r), r.ReadBoolean(), ReadRoutes(r), r.ReadByte());
                }

                return new ForwardBatch(messages);
            }

            case RestoreManifest:
            {
                string clientId = r.ReadString();
                IActorRef? node = r.ReadBoolean() ? ReadActorRef(r, system) : null;
                bool exists = r.ReadBoolean();
                long attached = r.ReadInt64();
                long expires = r.ReadInt64();
                var will = ReadWill(r);
                long willDue = r.ReadInt64();
                var record = new ClusterBroker.Core.Messages.SessionRecord(exists, attached < 0 ? null : attached, expires, will, willDue, ReadSnapshot(r));
                return new RestoreSession(clientId, node, record);
            }

            case MovedManifest:
                return new SessionEndpointMoved(r.ReadString(), ReadActorRef(r, system));
            case HostManifest:
                return new HostSessionEndpoint(r.ReadString(), ReadSubscriptions(r));
            case SubscriptionsChangedManifest:
                return new SessionSubscriptionsChanged(r.ReadString(), r.ReadInt64(), ReadActorRef(r, system), r.ReadUInt32(), ReadSubscriptions(r), r.ReadInt64());
            case RecoverManifest:
                return new RecoverSession(r.ReadString(), r.ReadString());
            case StoredManifest:
                return new SubscriptionsStored(r.ReadString(), r.ReadInt64());
            case ReplayManifest:
                return new ReplayToSession(r.ReadString(), r.ReadString(), ReadSubscriptions(r));
            default:
                throw new SerializationException($"Unknown manifest '{manifest}'.");
        }
    }
}
