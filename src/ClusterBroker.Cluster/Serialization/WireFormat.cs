using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// The field layouts shared by every message of <see cref="ClusterBrokerSerializer"/>: length-prefixed
/// strings and bytes, a presence byte before each optional field, counts before lists.
/// </summary>
internal static class WireFormat
{
    private const byte RetainFlag = 1;
    private const byte ReplayedFlag = 2;

    public static void WriteUniqueAddress(BinaryWriter w, UniqueAddress address)
    {
        w.Write(address.Address.ToString());
        w.Write(address.Uid);
    }

    public static UniqueAddress ReadUniqueAddress(BinaryReader r) => new(Address.Parse(r.ReadString()), r.ReadInt32());

    public static void WriteRoute(BinaryWriter w, RouteKey route)
    {
        w.Write(route.Filter);
        WriteOptional(w, route.Group, static (w, v) => w.Write(v));
    }

    public static RouteKey ReadRoute(BinaryReader r) => new(r.ReadString(), r.ReadBoolean() ? r.ReadString() : null);

    public static void WriteRoutes(BinaryWriter w, IReadOnlyList<RouteKey>? routes)
    {
        w.Write(routes?.Count ?? -1);
        for (int i = 0; i < (routes?.Count ?? 0); i++)
        {
            WriteRoute(w, routes![i]);
        }
    }

    public static RouteKey[]? ReadRoutes(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count < 0)
        {
            return null;
        }

        var routes = new RouteKey[count];
        for (int i = 0; i < count; i++)
        {
            routes[i] = ReadRoute(r);
        }

        return routes;
    }

    public static void WriteWill(BinaryWriter w, PendingWill? will)
    {
        w.Write(will is not null);
        if (will is not null)
        {
            WriteMessage(w, will.Message);
            w.Write(will.DelaySeconds);
        }
    }

    public static PendingWill? ReadWill(BinaryReader r) => r.ReadBoolean() ? new PendingWill(ReadMessage(r), r.ReadUInt32()) : null;

    public static void WriteActorRef(BinaryWriter w, IActorRef actor) => w.Write(Akka.Serialization.Serialization.SerializedActorPath(actor));

    public static IActorRef ReadActorRef(BinaryReader r, ExtendedActorSystem system) => system.Provider.ResolveActorRef(r.ReadString());

    public static void WriteSubscriptions(BinaryWriter w, IReadOnlyList<Subscription> subscriptions)
    {
        w.Write(subscriptions.Count);
        foreach (Subscription sub in subscriptions)
        {
            w.Write(sub.Filter);
            w.Write((byte)sub.QoS);
            w.Write(sub.NoLocal);
            w.Write(sub.RetainAsPublished);
            w.Write((byte)sub.RetainHandling);
            WriteOptionalValue(w, sub.SubscriptionIdentifier, static (w, v) => w.Write(v));
        }
    }

    public static Subscription[] ReadSubscriptions(BinaryReader r)
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

        return subscriptions;
    }

    public static void WriteSnapshot(BinaryWriter w, SessionSnapshot s)
    {
        WriteSubscriptions(w, s.Subscriptions);

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

    public static SessionSnapshot ReadSnapshot(BinaryReader r)
    {
        Subscription[] subscriptions = ReadSubscriptions(r);
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

    public static void WriteQueued(BinaryWriter w, QueuedMessage m)
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

    public static QueuedMessage ReadQueued(BinaryReader r)
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

    public static void WriteMessage(BinaryWriter w, BrokerMessage m)
    {
        w.Write(m.Topic);
        WriteBytes(w, m.Payload);
        w.Write((byte)m.QoS);
        // Flags in what was the Retain boolean (a byte): a node reading it as a boolean still sees Retain when set.
        w.Write((byte)((m.Retain ? RetainFlag : 0) | (m.Replayed ? ReplayedFlag : 0)));
        w.Write(m.Id);
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

    public static BrokerMessage ReadMessage(BinaryReader r)
    {
        string topic = r.ReadString();
        byte[] payload = ReadBytes(r);
        var qos = (QualityOfService)r.ReadByte();
        byte flags = r.ReadByte();
        ulong id = r.ReadUInt64();
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
            Retain = (flags & RetainFlag) != 0,
            Replayed = (flags & ReplayedFlag) != 0,
            Id = id,
            PublisherId = publisher,
            ExpiresAtUnixMs = expires,
            PayloadFormatIndicator = format,
            ContentType = contentType,
            ResponseTopic = responseTopic,
            CorrelationData = correlation,
            UserProperties = properties,
        };
    }

    public static void WriteBytes(BinaryWriter w, ReadOnlyMemory<byte> bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes.Span);
    }

    public static byte[] ReadBytes(BinaryReader r) => r.ReadBytes(r.ReadInt32());

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
