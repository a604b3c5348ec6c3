using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Akka.Cluster;

namespace ClusterBroker.Cluster.Links;

/// <summary>
/// The wire format of a forward link: the direct TCP connection one node opens to each other node for the messages it
/// forwards there (<see cref="ForwardLinkSender"/> writes, <see cref="ForwardLinkListener"/> reads). Akka remoting still
/// carries everything else; a forwarded PUBLISH skips its actors, envelopes and thread hops.
/// </summary>
/// <remarks>
/// <para>After connecting, the sender writes one hello frame: <see cref="Magic"/>, <see cref="Version"/>, the cluster's
/// name, its own unique address (address and uid) and the uid of the node it means to reach. The listener answers one
/// byte: <see cref="Accepted"/>, or <see cref="Refused"/> followed by a reason, and closes.</para>
/// <para>Then only the sender writes, frames of <c>[int32 length, big endian][byte kind][body]</c> where length counts
/// kind and body; the body is <see cref="Serialization.ClusterBrokerSerializer"/>'s binary form of a
/// <see cref="Messages.ForwardBatch"/> or a <see cref="Messages.ForwardMarker"/> (versioned there).</para>
/// </remarks>
public static class ForwardLinkProtocol
{
    public static ReadOnlySpan<byte> Magic => "CBFL"u8;

    public const byte Version = 1;

    public const byte Accepted = 1;
    public const byte Refused = 0;

    public const byte BatchFrame = 1;
    public const byte MarkerFrame = 2;

    /// <summary>Bytes before a frame's body: the length and the kind.</summary>
    public const int FrameHeader = 5;

    /// <summary>The largest hello a listener reads (names and addresses are short).</summary>
    public const int MaxHello = 4096;

    /// <summary>The cluster role through which a node tells the others the port of its forward link listener.</summary>
    public const string RolePrefix = "forward-link-port-";

    public static string RoleFor(int port) => RolePrefix + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The port a member's role advertises for its forward links, or null (a node of a version without them).</summary>
    public static int? PortOf(Member member) => PortOf(member.Roles);

    /// <summary>The port the roles advertise for forward links, or null.</summary>
    public static int? PortOf(IEnumerable<string> roles)
    {
        foreach (string role in roles)
        {
            if (role.StartsWith(RolePrefix, StringComparison.Ordinal)
                && int.TryParse(role.AsSpan(RolePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
                && port is > 0 and < 65_536)
            {
                return port;
            }
        }

        return null;
    }

    /// <summary>Where a forward sender opens its link, and the hello it says there.</summary>
    public sealed record Target(string Host, int Port, Hello Hello);

    /// <summary>Who opens a link, and to which incarnation of the destination.</summary>
    public sealed record Hello(string ClusterName, string SenderAddress, long SenderUid, long DestinationUid);

    /// <summary>The hello frame: <c>[int32 length][magic][version][fields]</c>.</summary>
    public static byte[] WriteHello(Hello hello)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(0); // length, set below
            w.Write(Magic);
            w.Write(Version);
            w.Write(hello.ClusterName);
            w.Write(hello.SenderAddress);
            w.Write(hello.SenderUid);
            w.Write(hello.DestinationUid);
        }

        byte[] bytes = stream.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes, bytes.Length - 4);
        return bytes;
    }

    /// <summary>Reads a hello's body (after its length); throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static Hello ReadHello(ReadOnlySpan<byte> body)
    {
        if (body.Length < Magic.Length + 1 || !body[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a forward link (no CBFL hello)");
        }

        byte version = body[Magic.Length];
        if (version != Version)
        {
            throw new InvalidDataException($"forward link version {version}, this node speaks {Version}");
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(body[(Magic.Length + 1)..].ToArray()), Encoding.UTF8);
            return new Hello(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64());
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("truncated hello");
        }
    }

    /// <summary>The refusal answer: <see cref="Refused"/>, then the reason (UTF-8, length-prefixed).</summary>
    public static byte[] WriteRefusal(string reason)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Refused);
            w.Write(reason.Length > 400 ? reason[..400] : reason);
        }

        return stream.ToArray();
    }
}
