using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Sessions;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Batches the messages forwarded to one other node: a batch closes at <see cref="MaxMessages"/> messages or
/// <see cref="MaxBytes"/> bytes, or when the mailbox has no more forwards (a Flush sent to itself arrives
/// after everything queued before it), so an idle link adds no delay and a busy one sends few large frames.
/// One sender per destination keeps each publisher's order.
/// </summary>
/// <remarks>
/// Batches go through the destination's receiver as an <see cref="IActorRef"/> once it is known (an Identify sent at
/// start): a batch told to an <see cref="ActorSelection"/> travels wrapped in an ActorSelectionMessage (one more
/// serialization layer and a copy of the batch's bytes) and is looked up by path on the other node, per batch. Until
/// the reference is known, batches go through the selection; both ways use the same association to that node, so
/// their order holds.
/// </remarks>
public sealed class ForwardSenderActor : UntypedActor, IWithTimers
{
    public const int MaxMessages = 256;
    public const int MaxBytes = 60 * 1024;

    private readonly ActorSelection _destination;
    private readonly ClusterMetrics _metrics;
    private readonly RecentForwards? _recent;
    private List<ForwardedMessage> _batch = new();
    private int _bytes;
    private bool _flushQueued;

    /// <summary>The destination's receiver, once an Identify through <see cref="_destination"/> found it.</summary>
    private IActorRef? _receiver;

    public ForwardSenderActor(ActorSelection destination, ClusterMetrics metrics, TimeSpan crashReplayWindow)
    {
        _destination = destination;
        _metrics = metrics;
        _recent = crashReplayWindow > TimeSpan.Zero ? new RecentForwards(crashReplayWindow, CrashReplayCapacity) : null;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>At most this many recent QoS 1/2 forwards are kept per destination for a crash replay.</summary>
    public const int CrashReplayCapacity = 100_000;

    /// <param name="crashReplayWindow">How long QoS 1/2 forwards are kept for a crash of the destination (durable sessions); zero keeps none.</param>
    public static Props Props(ActorSelection destination, ClusterMetrics metrics, TimeSpan crashReplayWindow) =>
        Akka.Actor.Props.Create(() => new ForwardSenderActor(destination, metrics, crashReplayWindow));

    private static long NowMs => Environment.TickCount64;

    /// <summary>How long to wait before asking again when the destination's receiver was not there yet (it starts with the node).</summary>
    private static readonly TimeSpan IdentifyRetry = TimeSpan.FromSeconds(1);

    protected override void PreStart() => _destination.Tell(new Identify(null), Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ForwardedMessage forward:
                _recent?.Add(forward, NowMs);
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
            case ForwardMarker marker:
                // Behind every forward this sender was given before it, on the same path as the batches (same order).
                Flush();
                if (_receiver is not null)
                {
                    _receiver.Tell(marker, ActorRefs.NoSender);
                }
                else
                {
                    _destination.Tell(marker, ActorRefs.NoSender);
                }

                break;
            case HandOverRecentForwards m:
                HandOver(m);
                break;
            case ActorIdentity identity:
                if (identity.Subject is { } receiver)
                {
                    _receiver = receiver;
                }
                else
                {
                    Timers.StartSingleTimer(IdentifyAgain.Instance, IdentifyAgain.Instance, IdentifyRetry);
                }

                break;
            case IdentifyAgain:
                _destination.Tell(new Identify(null), Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// The destination crashed: the plain copies of what it was sent recently go to the crash replay (for the sessions
    /// continued from it), the shared-group messages placed there back to this node's forward receiver, which gives
    /// each to a member of its group here or on another node (at least once: the dead node may have delivered some).
    /// </summary>
    private void HandOver(HandOverRecentForwards handOver)
    {
        List<ForwardedMessage> recent = _recent?.Snapshot(NowMs) ?? [];
        var plain = new List<Core.Messages.BrokerMessage>(recent.Count);
        var placed = new List<ForwardedMessage>();
        foreach (ForwardedMessage forward in recent)
        {
            if (forward.Plain)
            {
                plain.Add(forward.Message);
            }

            if (forward.Groups is { Count: > 0 } groups)
            {
                placed.Add(new ForwardedMessage(forward.Message, Plain: false, groups, forward.Hops));
            }
        }

        handOver.To.Tell(new ForwardsToCrashedNode(handOver.DeadNode, plain, _recent?.Dropped ?? 0));
        if (placed.Count > 0)
        {
            handOver.Receiver.Tell(new SharedMessagesOfCrashedNode(handOver.DeadNode, placed));
        }
    }

    private void Flush()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        var batch = new ForwardBatch(_batch);
        if (_receiver is not null)
        {
            _receiver.Tell(batch, ActorRefs.NoSender);
        }
        else
        {
            _destination.Tell(batch, ActorRefs.NoSender);
        }

        _metrics.ForwardBatchSent();
        _batch = new List<ForwardedMessage>();
        _bytes = 0;
    }

    private sealed class FlushNow
    {
        public static readonly FlushNow Instance = new();
    }

    private sealed class IdentifyAgain
    {
        public static readonly IdentifyAgain Instance = new();
    }
}

/// <summary>Local: the destination crashed (was downed); give the recent forwards to the crash replay.</summary>
internal sealed record HandOverRecentForwards(string DeadNode, IActorRef To, ActorSelection Receiver);

/// <summary>Local: shared-group messages placed on a node that crashed, to be placed again (this node's forward receiver).</summary>
internal sealed record SharedMessagesOfCrashedNode(string DeadNode, IReadOnlyList<ForwardedMessage> Messages);
