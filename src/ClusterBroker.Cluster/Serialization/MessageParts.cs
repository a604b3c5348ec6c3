using Akka.Actor;
using Akka.Serialization;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// Cuts a message that may exceed the cluster transport's frame limit (a session's state with thousands of
/// queued messages, each up to the maximum packet size) into <see cref="MessagePart"/>s of at most
/// <see cref="ChunkSize"/> bytes, sent in order to the same destination; <see cref="MessagePartAssembler"/>
/// puts them back together. Small messages are sent whole.
/// </summary>
public static class MessageParts
{
    /// <summary>Bytes of serialized message per part: a part and its envelope stay well below a 128 KiB frame.</summary>
    public const int ChunkSize = 60 * 1024;

    /// <summary>Below this estimated size a message goes whole (no extra serialization).</summary>
    public const int WholeMessageLimit = 48 * 1024;

    private static long s_transferIds = DateTime.UtcNow.Ticks;

    /// <summary>A generous estimate of a snapshot's serialized size (payloads, topics and per-message fields).</summary>
    public static long EstimateSize(SessionSnapshot snapshot)
    {
        long size = 64;
        foreach (Subscription subscription in snapshot.Subscriptions)
        {
            size += 32 + (subscription.Filter.Length * 3L);
        }

        foreach (InflightMessage message in snapshot.Inflight)
        {
            size += Estimate(message.Delivery.Message);
        }

        foreach (QueuedMessage message in snapshot.Queued)
        {
            size += Estimate(message.Message);
        }

        return size + (snapshot.IncomingQoS2.Count * 2L);
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="destination"/>, in parts when it is large.</summary>
    public static void Send(ActorSystem system, ICanTell destination, string clientId, object message, long estimatedSize, IActorRef? sender = null)
    {
        if (estimatedSize < WholeMessageLimit)
        {
            destination.Tell(message, sender ?? ActorRefs.NoSender);
            return;
        }

        var serializer = (SerializerWithStringManifest)system.Serialization.FindSerializerFor(message);
        byte[] bytes = serializer.ToBinary(message);
        string manifest = serializer.Manifest(message);
        long transferId = Interlocked.Increment(ref s_transferIds);
        int index = 0;
        for (int offset = 0; offset < bytes.Length || index == 0; offset += ChunkSize, index++)
        {
            int length = Math.Min(ChunkSize, bytes.Length - offset);
            byte[] chunk = bytes.AsSpan(offset, length).ToArray();
            destination.Tell(new MessagePart(clientId, transferId, index, offset + length >= bytes.Length, manifest, chunk), sender ?? ActorRefs.NoSender);
        }
    }

    private static long Estimate(BrokerMessage message) =>
        96 + message.Payload.Length + (message.Topic.Length * 3L) + (message.CorrelationData?.Length ?? 0)
        + ((message.ContentType?.Length ?? 0) * 3L) + ((message.ResponseTopic?.Length ?? 0) * 3L) + ((message.UserProperties?.Count ?? 0) * 64L);
}
