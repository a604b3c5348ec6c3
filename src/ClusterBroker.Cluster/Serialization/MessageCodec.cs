using Akka.Actor;
using ClusterBroker.Cluster.Messages;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// How one message type crosses nodes, described in one place: its manifest (the short string sent with the
/// bytes that names the type), how its fields are written after the layout version byte, and how they are read
/// back. <see cref="ClusterBrokerSerializer"/> finds the codec by type to write and by manifest to read; the
/// codecs are listed by message family (<see cref="SessionCodecs"/>, <see cref="BrokerNodeCodecs"/>,
/// <see cref="ClientIdCodecs"/>, <see cref="RouteCodecs"/>, <see cref="ForwardCodecs"/>).
/// </summary>
internal abstract class MessageCodec
{
    private MessageCodec(Type type, string manifest)
    {
        Type = type;
        Manifest = manifest;
    }

    public Type Type { get; }

    public string Manifest { get; }

    /// <summary>
    /// The codec of <typeparamref name="T"/>. Give static lambdas: the delegates are made once, with the codec
    /// lists, and called for every message (the cross-node publish path), so they must capture nothing.
    /// </summary>
    public static MessageCodec For<T>(string manifest, Action<BinaryWriter, T> write, Func<BinaryReader, ExtendedActorSystem, T> read)
        where T : class, IClusterBrokerMessage => new Typed<T>(manifest, write, read);

    /// <summary>Writes the fields of <paramref name="message"/> (of <see cref="Type"/>); the layout version is already written.</summary>
    public abstract void Write(BinaryWriter w, object message);

    /// <summary>Reads the fields after the layout version; <paramref name="system"/> resolves actor references.</summary>
    public abstract object Read(BinaryReader r, ExtendedActorSystem system);

    // A subclass per type rather than a wrapping lambda: the cast to T costs no extra delegate call per message.
    private sealed class Typed<T>(string manifest, Action<BinaryWriter, T> write, Func<BinaryReader, ExtendedActorSystem, T> read)
        : MessageCodec(typeof(T), manifest)
        where T : class
    {
        public override void Write(BinaryWriter w, object message) => write(w, (T)message);

        public override object Read(BinaryReader r, ExtendedActorSystem system) => read(r, system);
    }
}
