using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using ClusterBroker.Storage.Redis.Retained;

namespace ClusterBroker.Storage.Redis.Sessions;

/// <summary>
/// The binary encoding of a stored session's record and of each of its pending messages (our own, versioned,
/// little-endian; strings are a 4-byte length and UTF-8). A message inside is encoded as a retained message is
/// (<see cref="RetainedMessageCodec"/>), followed by its own RETAIN flag, which that format does not keep.
/// </summary>
/// <remarks>
/// <code>
/// record:  version 1 | online 1 | session expiry interval 4 | expires at 8 | will due at 8 | home node string
///          | will present 1 [will delay 4, message] | subscription count 4, each: filter string, QoS 1,
///          options 1 (bit 0 no local, 1 retain as published, 2-3 retain handling, 4 has identifier) [identifier 4]
///          | incoming QoS 2 count 4, each 2
/// entry:   version 1 | kind 1 (0 queued, 1 inflight, 2 inflight released) | packet id 2 | QoS 1 | retain 1
///          | subscription identifier count 4, each 4 | message
/// message: length 4 | retained-message encoding | retain 1
/// </code>
/// A value of another version, cut short or running over does not decode (<see cref="InvalidDataException"/>
/// with the reason): the store skips it and logs the key.
/// </remarks>
internal static class StoredSessionCodec
{
    public const byte FormatVersion = 1;

    private const byte Queued = 0;
    private const byte Inflight = 1;
    private const byte InflightReleased = 2;

    public static byte[] EncodeRecord(StoredSession session)
    {
        using var stream = new MemoryStream(128);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(session.Online);
            writer.Write(session.SessionExpiryInterval);
            writer.Write(session.ExpiresAtUnixMs);
            writer.Write(session.WillDueAtUnixMs);
            WriteString(writer, session.HomeNode);
            writer.Write(session.Will is not null);
            if (session.Will is { } will)
            {
                writer.Write(will.DelaySeconds);
                WriteMessage(writer, will.Message);
            }

            writer.Write(session.Subscriptions.Count);
            foreach (Subscription subscription in session.Subscriptions)
            {
                WriteString(writer, subscription.Filter);
                writer.Write((byte)subscription.QoS);
                int options = (subscription.NoLocal ? 1 : 0) | (subscription.RetainAsPublished ? 2 : 0)
                    | ((int)subscription.RetainHandling << 2) | (subscription.SubscriptionIdentifier is not null ? 16 : 0);
                writer.Write((byte)options);
                if (subscription.SubscriptionIdentifier is uint identifier)
                {
                    writer.Write(identifier);
                }
            }

            writer.Write(session.IncomingQoS2.Count);
            foreach (ushort packetId in session.IncomingQoS2)
            {
                writer.Write(packetId);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Decodes a record; throws <see cref="InvalidDataException"/> with the reason when it is not one of this format.</summary>
    public static StoredSession DecodeRecord(ReadOnlyMemory<byte> value) => Decode(value, reader =>
    {
        bool online = reader.ReadBoolean();
        uint expiryInterval = reader.ReadUInt32();
        long expiresAt = reader.ReadInt64();
        long willDueAt = reader.ReadInt64();
        string homeNode = ReadString(reader);
        PendingWill? will = null;
        if (reader.ReadBoolean())
        {
            uint delay = reader.ReadUInt32();
            will = new PendingWill(ReadMessage(reader), delay);
        }

        int count = ReadCount(reader, 6);
        var subscriptions = new List<Subscription>(count);
        for (int i = 0; i < count; i++)
        {
            string filter = ReadString(reader);
            QualityOfService qos = ReadQoS(reader);
            byte options = reader.ReadByte();
            if ((options & ~31) != 0 || ((options >> 2) & 3) > 2)
            {
                throw new InvalidDataException($"subscription options 0x{options:X2} are out of range");
            }

            uint? identifier = (options & 16) != 0 ? reader.ReadUInt32() : null;
            subscriptions.Add(new Subscription(filter, qos, (options & 1) != 0, (options & 2) != 0, (RetainHandling)((options >> 2) & 3), identifier));
        }

        int qos2Count = ReadCount(reader, 2);
        var incoming = new ushort[qos2Count];
        for (int i = 0; i < qos2Count; i++)
        {
            incoming[i] = reader.ReadUInt16();
        }

        return new StoredSession(homeNode, online, expiryInterval, expiresAt, will, willDueAt, subscriptions, incoming);
    });

    public static byte[] EncodeQueued(QueuedMessage message) => EncodeEntry(Queued, 0, message);

    public static byte[] EncodeInflight(InflightMessage message) =>
        EncodeEntry(message.Released ? InflightReleased : Inflight, message.PacketId, message.Delivery);

    /// <summary>
    /// Decodes a pending-message entry: an inflight one comes with its packet identifier, a queued one with null.
    /// Throws <see cref="InvalidDataException"/> with the reason when it is not one of this format.
    /// </summary>
    public static (QueuedMessage Message, InflightMessage? Inflight) DecodeEntry(ReadOnlyMemory<byte> value) => Decode(value, reader =>
    {
        byte kind = reader.ReadByte();
        if (kind > InflightReleased)
        {
            throw new InvalidDataException($"entry kind {kind} is unknown");
        }

        ushort packetId = reader.ReadUInt16();
        QualityOfService qos = ReadQoS(reader);
        bool retain = reader.ReadBoolean();
        int count = ReadCount(reader, 4);
        uint[]? identifiers = count > 0 ? new uint[count] : null;
        for (int i = 0; i < count; i++)
        {
            identifiers![i] = reader.ReadUInt32();
        }

        var queued = new QueuedMessage(ReadMessage(reader), qos, retain, identifiers);
        return (queued, kind == Queued ? null : new InflightMessage(packetId, queued, kind == InflightReleased));
    });

    private static byte[] EncodeEntry(byte kind, ushort packetId, QueuedMessage message)
    {
        using var stream = new MemoryStream(64 + message.Message.Payload.Length + message.Message.Topic.Length);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(kind);
            writer.Write(packetId);
            writer.Write((byte)message.QoS);
            writer.Write(message.Retain);
            IReadOnlyList<uint> identifiers = message.SubscriptionIdentifiers ?? [];
            writer.Write(identifiers.Count);
            foreach (uint identifier in identifiers)
            {
                writer.Write(identifier);
            }

            WriteMessage(writer, message.Message);
        }

        return stream.ToArray();
    }

    private static T Decode<T>(ReadOnlyMemory<byte> value, Func<BinaryReader, T> read)
    {
        if (value.Length == 0 || value.Span[0] != FormatVersion)
        {
            throw new InvalidDataException(value.Length == 0 ? "the value is empty" : $"format version {value.Span[0]} is not {FormatVersion}");
        }

        using var stream = new MemoryStream(value.ToArray(), 1, value.Length - 1, writable: false);
        using var reader = new BinaryReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true));
        try
        {
            T result = read(reader);
            if (stream.Position != stream.Length)
            {
                throw new InvalidDataException($"{stream.Length - stream.Position} byte(s) follow the end");
            }

            return result;
        }
        catch (Exception ex) when (ex is EndOfStreamException or DecoderFallbackException or ArgumentException)
        {
            throw new InvalidDataException("the value is cut short or malformed: " + ex.Message, ex);
        }
    }

    private static void WriteMessage(BinaryWriter writer, BrokerMessage message)
    {
        byte[] encoded = RetainedMessageCodec.Encode(message);
        writer.Write(encoded.Length);
        writer.Write(encoded);
        writer.Write(message.Retain);
    }

    private static BrokerMessage ReadMessage(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"message length {length} runs past the end");
        }

        byte[] encoded = reader.ReadBytes(length);
        if (!RetainedMessageCodec.TryDecode(encoded, out BrokerMessage? message, out string? error))
        {
            throw new InvalidDataException("message: " + error);
        }

        return message! with { Retain = reader.ReadBoolean() };
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static string ReadString(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"string length {length} runs past the end");
        }

        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(reader.ReadBytes(length));
    }

    private static int ReadCount(BinaryReader reader, int minimumItemBytes)
    {
        int count = reader.ReadInt32();
        if (count < 0 || count > (reader.BaseStream.Length - reader.BaseStream.Position) / minimumItemBytes)
        {
            throw new InvalidDataException($"count {count} is out of range");
        }

        return count;
    }

    private static QualityOfService ReadQoS(BinaryReader reader)
    {
        byte qos = reader.ReadByte();
        return qos <= 2 ? (QualityOfService)qos : throw new InvalidDataException($"QoS {qos} is out of range");
    }
}
