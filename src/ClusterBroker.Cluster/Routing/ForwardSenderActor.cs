using Akka.Actor;
using ClusterBroker.Cluster.Messages;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Batches the messages forwarded to one other node: a batch closes at <see cref="MaxMessages"/> messages or
/// <see cref="MaxBytes"/> bytes, or when the mailbox has no more forwards (a Flush sent to itself arrives
/// after everything queued before it), so an idle link adds no delay and a busy one sends few large frames.
/// One sender per destination keeps each publisher's order.
/// </summary>
public sealed class ForwardSenderActor : UntypedActor
{
    public const int MaxMessages = 256;
    public const int MaxBytes = 60 * 1024;

    private readonly ActorSelection _destination;
    private readonly ClusterMetrics _metrics;
    private List<ForwardedMessage> _batch = new();
    private int _bytes;
    private bool _flushQueued;

    public ForwardSenderActor(ActorSelection destination, ClusterMetrics metrics)
    {
        _destination = destination;
        _metrics = metrics;
    }

    public static Props Props(ActorSelection destination, ClusterMetrics metrics) =>
        Akka.Actor.Props.Create(() => new ForwardSenderActor(destination, metrics));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ForwardedMessage forward:
                _batch.Add(forward);
                _bytes += forward.Message.Payload.Length + (forward.Message.Topic.Length * 2) + 64;
                if (_batch.Count >= MaxMessages || _bytes >= MaxBytes)
                {
                    Flush();
                }
                else if (!_flushQueued)
                {
                    _flushQueued = true;
                    Self.Tell(FlushNow.Instance);
                }

                break;
            case FlushNow:
                _flushQueued = false;
                Flush();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Flush()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        _destination.Tell(new ForwardBatch(_batch), ActorRefs.NoSender);
        _metrics.ForwardBatchSent();
        _batch = new List<ForwardedMessage>();
        _bytes = 0;
    }

    private sealed class FlushNow
    {
        public static readonly FlushNow Instance = new();
    }
}
