using ClusterBroker.Cluster.Messages;
using static ClusterBroker.Cluster.Serialization.WireFormat;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// The wire format of forwarded PUBLISHes between nodes (the forward links): batches of messages and the
/// markers sent between them. Manifests start with F. Batches are the hot path of cross-node publishing.
/// </summary>
internal static class ForwardCodecs
{
    // Named: the forward link reads its frames with these manifests directly (ClusterBrokerSerializer exposes them).
    public const string BatchManifest = "FB";
    public const string MarkerManifest = "FM";

    public static readonly MessageCodec[] All =
    [
        MessageCodec.For<ForwardBatch>(
            BatchManifest,
            static (w, m) =>
            {
                w.Write(m.Messages.Count);
                foreach (ForwardedMessage forward in m.Messages)
                {
                    WriteMessage(w, forward.Message);
                    w.Write(forward.Plain);
                    WriteRoutes(w, forward.Groups);
                    w.Write(forward.Hops);
                }
            },
            static (r, _) =>
            {
                var messages = new ForwardedMessage[r.ReadInt32()];
                for (int i = 0; i < messages.Length; i++)
                {
                    messages[i] = new ForwardedMessage(ReadMessage(r), r.ReadBoolean(), ReadRoutes(r), r.ReadByte());
                }

                return new ForwardBatch(messages);
            }),

        MessageCodec.For<ForwardMarker>(
            MarkerManifest,
            static (w, m) => w.Write(m.Id),
            static (r, _) => new ForwardMarker(r.ReadInt64())),
    ];
}
