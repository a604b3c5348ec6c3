using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using ClusterBroker.Cluster.Messages;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// The explicit binary serializer of every message that may cross nodes (bound to
/// <see cref="IClusterBrokerMessage"/>): a short string manifest per type and a compact, versioned layout
/// written by hand (<see cref="WireFormat"/>). Never the default JSON serializer, never Hyperion. The first
/// byte is the layout version: a node refuses (with a SerializationException naming it) a version it does not know.
/// Each message type is described once, by its <see cref="MessageCodec"/> in the list of its family.
/// </summary>
public sealed class ClusterBrokerSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7311;
    // 3: AttachSession carries the Will (durable sessions); SessionSubscriptionsChanged and RecoverSession added.
    // 4: every message carries its identity (BrokerMessage.Id), for a moving session's duplicate detection.
    public const byte LayoutVersion = 4;

    internal const string ForwardManifest = ForwardCodecs.BatchManifest;
    internal const string MarkerManifest = ForwardCodecs.MarkerManifest;

    private static readonly MessageCodec[] Codecs =
        [.. SessionCodecs.All, .. BrokerNodeCodecs.All, .. ClientIdCodecs.All, .. RouteCodecs.All, .. ForwardCodecs.All];

    // Built once, read for every message: frozen dictionaries are the fastest lookup for that.
    private static readonly FrozenDictionary<Type, MessageCodec> ByType = Index(static codec => codec.Type);
    private static readonly FrozenDictionary<string, MessageCodec> ByManifest = Index(static codec => codec.Manifest);

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => CodecFor(o, nameof(o)).Manifest;

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

    private static void Write(BinaryWriter w, object obj) => CodecFor(obj, nameof(obj)).Write(w, obj);

    // A null manifest is an unknown one (as a switch on it was), not the lookup's ArgumentNullException.
    private object Read(BinaryReader r, string manifest) =>
        manifest is not null && ByManifest.TryGetValue(manifest, out MessageCodec? codec)
            ? codec.Read(r, system)
            : throw new SerializationException($"Unknown manifest '{manifest}'.");

    private static MessageCodec CodecFor(object message, string parameter) =>
        ByType.TryGetValue(message.GetType(), out MessageCodec? codec)
            ? codec
            : throw new ArgumentException($"Cannot serialize {message.GetType()}.", parameter);

    /// <summary>The codecs by <paramref name="key"/>; a type or manifest listed twice fails here, when the first serializer is made.</summary>
    private static FrozenDictionary<TKey, MessageCodec> Index<TKey>(Func<MessageCodec, TKey> key)
        where TKey : notnull
    {
        var index = new Dictionary<TKey, MessageCodec>(Codecs.Length);
        foreach (MessageCodec codec in Codecs)
        {
            index.Add(key(codec), codec);
        }

        return index.ToFrozenDictionary();
    }
}
