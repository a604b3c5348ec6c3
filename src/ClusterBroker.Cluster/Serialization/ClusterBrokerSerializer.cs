using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// The explicit binary serializer of every message that may cross nodes (bound to
/// <see cref="IClusterBrokerMessage"/>): a short string manifest per type and a compact, versionable
/// layout written by hand (length-prefixed strings and bytes, a presence byte for optional fields).
/// Never the default JSON serializer, never Hyperion.
/// </summary>
public sealed class ClusterBrokerSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7311;

    private const string AttachManifest = "SA";
    private const string DetachManifest = "SD";
    private const string EnqueueManifest = "SE";
    private const string AttachedManifest = "SR";
    private const string DisconnectManifest = "ND";
    private const string DeliverManifest = "NM";
    private const string WillManifest = "NW";
    private const string ExpiredManifest = "NX";

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        AttachSession => AttachManifest,
        DetachSession => DetachManifest,
        EnqueueMessage => EnqueueManifest,
        SessionAttached => AttachedManifest,
        DisconnectConnection => DisconnectManifest,
        DeliverToConnection => DeliverManifest,
        PublishWill => WillManifest,
        SessionExpired => ExpiredManifest,
        _ => throw new ArgumentException($"Cannot serialize {o.GetType()}.", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write((byte)1); // layout version
            switch (obj)
            {
                case AttachSession m:
                    w.Write(m.ClientId);
                    w.Write(m.CleanStart);
                    w.Write(m.ConnectionId);
                    w.Write(Akka.Serialization.Serialization.SerializedActorPath(m.Node));
                    w.Write(m.SessionExpiryInterval);
                    break;
                case DetachSession m:
                    w.Write(m.ClientId);
                    w.Write(m.ConnectionId);
                    w.Write(m.SessionExpiryInterval);
                    WriteSnapshot(w, m.Snapshot);
                    w.Write(m.Will is not null);
                    if (m.Will is not null)
                    {
                        WriteMessage(w, m.Will.Message);
                        w.Write(m.Will.DelaySeconds);
                    }

                    break;
                case EnqueueMessage m:
                    w.Write(m.ClientId);
                    WriteQueued(w, m.Message);
                    w.Write(m.Bounced);
                    break;
                case SessionAttached m:
                    w.Write(m.ClientId);
                    w.Write(m.SessionPresent);
                    WriteSnapshot(w, m.Snapshot);
                    break;
                case DisconnectConnection m:
                    w.Write(m.ConnectionId);
                    w.Write((byte)m.ReasonCode);
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
                case SessionExpired m:
                    w.Write(m.ClientId);
                    break;
                default:
                    throw new ArgumentException($"Cannot serialize {obj.GetType()}.", nameof(obj));
            }
        }

        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        byte version = r.ReadByte();
        if (version != 1)
        {
            throw new SerializationException($"Unknown layout version {version} for manifest {manifest}.");
        }

        return manifest switch
        {
            AttachManifest => new AttachSession(r.ReadString(), r.ReadBoolean(), r.ReadInt64(), system.Provider.ResolveActorRef(r.ReadString()), r.ReadUInt32()),
            DetachManifest => new DetachSession(r.ReadString(), r.ReadInt64(), r.ReadUInt32(), ReadSnapshot(r), r.ReadBoolean() ? new PendingWill(ReadMessage(r), r.ReadUInt32()) : null),
            EnqueueManifest => new EnqueueMessage(r.ReadString(), ReadQueued(r), r.ReadBoolean()),
            AttachedManifest => new SessionAttached(r.ReadString(), r.ReadBoolean(), ReadSnapshot(r)),
            DisconnectManifest => new DisconnectConnection(r.ReadInt64(), (ReasonCode)r.ReadByte()),
            DeliverManifest => new DeliverToConnection(r.ReadInt64(), r.ReadString(), ReadQueued(r)),
            WillManifest => new PublishWill(r.ReadString(), ReadMessage(r)),
            ExpiredManifest => new SessionExpired(r.ReadString()),
            _ => throw new SerializationException($"Unknown manifest '{manifest}'."),
        };
    }

    private static void WriteSnapshot(BinaryWriter w, SessionSnapshot s)
    {
        w.Write(s.Subscriptions.Count);
        foreach (Subscription sub in s.Subscriptions)
        {
            w.Write(sub.Filter);
            w.Write((byte)sub.QoS);
            w.Write(sub.NoLocal);
            w.Write(sub.RetainAsPublished);
            w.Write((byte)sub.RetainHandling);
            WriteOptionalValue(w, sub.SubscriptionIdentifier, static (w, v) => w.Write(v));
        }

        w.Write(s.Inflight.Count);
        foreach (InflightMessage m in s.Inflight)
        {
            w.Write(m.PacketId);
            w.Write(m.Released);
            WriteQueued(w, m.Delivery);
        }

        w.Write(s.Queued.Count);
        foreach (QueuedMessage m in s.Queued)
        {
            WriteQueued(w, m);
        }

        w.Write(s.IncomingQoS2.Count);
        foreach (ushort id in s.IncomingQoS2)
        {
            w.Write(id);
        }
    }

    private static SessionSnapshot ReadSnapshot(BinaryReader r)
    {
        var subscriptions = new Subscription[r.ReadInt32()];
        for (int i = 0; i < subscriptions.Length; i++)
        {
            subscriptions[i] = new Subscription(
                r.ReadString(),
                (QualityOfService)r.ReadByte(),
                r.ReadBoolean(),
                r.ReadBoolean(),
                (RetainHandling)r.ReadByte(),
                r.ReadBoolean() ? r.ReadUInt32() : null);
        }

        var inflight = new InflightMessage[r.ReadInt32()];
        for (int i = 0; i < inflight.Length; i++)
        {
            ushort id = r.ReadUInt16();
            bool released = r.ReadBoolean();
            inflight[i] = new InflightMessage(id, ReadQueued(r), released);
        }

        var queued = new QueuedMessage[r.ReadInt32()];
        for (int i = 0; i < queued.Length; i++)
        {
            queued[i] = ReadQueued(r);
        }

        var incoming = new ushort[r.ReadInt32()];
        for (int i = 0; i < incoming.Length; i++)
        {
            incoming[i] = r.ReadUInt16();
        }

        return new SessionSnapshot(subscriptions, inflight, queued, incoming);
    }

    private static void WriteQueued(BinaryWriter w, QueuedMessage m)
    {
        WriteMessage(w, m.Message);
        w.Write((byte)m.QoS);
        w.Write(m.Retain);
        int count = m.SubscriptionIdentifiers?.Count ?? -1;
        w.Write(count);
        for (int i = 0; i < count; i++)
        {
            w.Write(m.SubscriptionIdentifiers![i]);
        }
    }

    private static QueuedMessage ReadQueued(BinaryReader r)
    {
        BrokerMessage message = ReadMessage(r);
        var qos = (QualityOfService)r.ReadByte();
        bool retain = r.ReadBoolean();
        int count = r.ReadInt32();
        uint[]? ids = null;
        if (count >= 0)
        {
            ids = new uint[count];
            for (int i = 0; i < count; i++)
            {
                ids[i] = r.ReadUInt32();
            }
        }

        return new QueuedMessage(message, qos, retain, ids);
    }

    private static void WriteMessage(BinaryWriter w, BrokerMessage m)
    {
        w.Write(m.Topic);
        WriteBytes(w, m.Payload);
        w.Write((byte)m.QoS);
        w.Write(m.Retain);
        WriteOptional(w, m.PublisherId, static (w, v) => w.Write(v));
        w.Write(m.ExpiresAtUnixMs);
        WriteOptionalValue(w, m.PayloadFormatIndicator, static (w, v) => w.Write(v));
        WriteOptional(w, m.ContentType, static (w, v) => w.Write(v));
        WriteOptional(w, m.ResponseTopic, static (w, v) => w.Write(v));
        WriteOptionalValue(w, m.CorrelationData, static (w, v) => WriteBytes(w, v));
        int count = m.UserProperties?.Count ?? -1;
        w.Write(count);
        for (int i = 0; i < count; i++)
        {
            w.Write(m.UserProperties![i].Name);
            w.Write(m.UserProperties[i].Value);
        }
    }

    private static BrokerMessage ReadMessage(BinaryReader r)
    {
        string topic = r.ReadString();
        byte[] payload = ReadBytes(r);
        var qos = (QualityOfService)r.ReadByte();
        bool retain = r.ReadBoolean();
        string? publisher = r.ReadBoolean() ? r.ReadString() : null;
        long expires = r.ReadInt64();
        byte? format = r.ReadBoolean() ? r.ReadByte() : null;
        string? contentType = r.ReadBoolean() ? r.ReadString() : null;
        string? responseTopic = r.ReadBoolean() ? r.ReadString() : null;
        ReadOnlyMemory<byte>? correlation = r.ReadBoolean() ? new ReadOnlyMemory<byte>(ReadBytes(r)) : (ReadOnlyMemory<byte>?)null;
        int count = r.ReadInt32();
        UserProperty[]? properties = null;
        if (count >= 0)
        {
            properties = new UserProperty[count];
            for (int i = 0; i < count; i++)
            {
                properties[i] = new UserProperty(r.ReadString(), r.ReadString());
            }
        }

        return new BrokerMessage
        {
            Topic = topic,
            Payload = payload,
            QoS = qos,
            Retain = retain,
            PublisherId = publisher,
            ExpiresAtUnixMs = expires,
            PayloadFormatIndicator = format,
            ContentType = contentType,
            ResponseTopic = responseTopic,
            CorrelationData = correlation,
            UserProperties = properties,
        };
    }

    private static void WriteBytes(BinaryWriter w, ReadOnlyMemory<byte> bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes.Span);
    }

    private static byte[] ReadBytes(BinaryReader r) => r.ReadBytes(r.ReadInt32());

    private static void WriteOptional<T>(BinaryWriter w, T? value, Action<BinaryWriter, T> write)
        where T : class
    {
        w.Write(value is not null);
        if (value is not null)
        {
            write(w, value);
        }
    }

    private static void WriteOptionalValue<T>(BinaryWriter w, T? value, Action<BinaryWriter, T> write)
        where T : struct
    {
        w.Write(value.HasValue);
        if (value.HasValue)
        {
            write(w, value.Value);
        }
    }
}
