using Akka.Actor;
using ClusterBroker.Cluster.Links;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Cluster.Sessions;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Batches the messages forwarded to one other node: a batch closes at <see cref="MaxMessages"/> messages or
/// <see cref="MaxBytes"/> bytes, or when the mailbox has no more forwards (a Flush sent to itself arrives
/// after everything queued before it), so an idle link adds no delay and a busy one sends few large frames.
/// One sender per destination keeps each publisher's order.
/// </summary>
/// <remarks>
/// <para>Batches and markers go over the destination's forward link (<see cref="ForwardLinkProtocol"/>): a TCP
/// connection of their own, written from this actor's thread, read and delivered on the other node's link loop. While
/// the link is being opened, or opened again after it broke, they wait here in order (up to <see cref="MaxHeldBytes"/>;
/// beyond, batches are dropped, counted and logged). What a broken link had written and the other node had not read is
/// lost, as with Akka remoting when its connection breaks; with durable sessions the crash replay covers a destination
/// that died.</para>
/// <para>A destination that advertises no link (Cluster:ForwardPort -1, or a version without links), or whose link
/// never opens in <see cref="FallbackAfterFailures"/> tries (a firewall on the port), gets them through Akka remoting,
/// for good: switching back and forth could reorder a publisher's messages. There, batches go through the receiver as
/// an <see cref="IActorRef"/> once it is known (an Identify sent at start): a batch told to an
/// <see cref="ActorSelection"/> travels wrapped in an ActorSelectionMessage and is looked up by path on the other node,
/// per batch. Until the reference is known, batches go through the selection; both ways use the same association.</para>
/// </remarks>
public sealed class ForwardSenderActor : UntypedActor, IWithTimers
{
    public const int MaxMessages = 256;
    public const int MaxBytes = 60 * 1024;

    /// <summary>Batches wait for a link up to this many bytes (estimated); beyond, they are dropped.</summary>
    public const long MaxHeldBytes = 32L * 1024 * 1024;

    /// <summary>A link that never opened falls back to Akka remoting after this many tries in a row that reached no listener (about 3 s).</summary>
    public const int FallbackAfterFailures = 5;

    private const int LogAfterFailures = 4;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(2);

    private readonly ActorSelection _destination;
    private readonly ClusterMetrics _metrics;
    private readonly ForwardLinkProtocol.Target? _linkTarget;
    private readonly ILogger _logger;
    private readonly Queue<(object Message, long Bytes, int Count)> _held = new();
    private ClusterBrokerSerializer _serializer = null!;
    private ForwardLinkSender? _link;
    private bool _connecting;
    private bool _linkEverOpened;
    private bool _viaRemoting;
    private int _failures;
    private int _unreachable;
    private long _heldBytes;
    private int _droppedWhileDown;
    private readonly RecentForwards? _recent;
    private List<ForwardedMessage> _batch = new();
    private int _bytes;
    private bool _flushQueued;

    /// <summary>The destination's receiver, once an Identify through <see cref="_destination"/> found it.</summary>
    private IActorRef? _receiver;

    public ForwardSenderActor(ActorSelection destination, ClusterMetrics metrics, TimeSpan crashReplayWindow, ForwardLinkProtocol.Target? link, ILogger logger)
    {
        _destination = destination;
        _metrics = metrics;
        _linkTarget = link;
        _viaRemoting = link is null;
        _logger = logger;
        _recent = crashReplayWindow > TimeSpan.Zero ? new RecentForwards(crashReplayWindow, CrashReplayCapacity) : null;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>At most this many recent QoS 1/2 forwards are kept per destination for a crash replay.</summary>
    public const int CrashReplayCapacity = 100_000;

    /// <param name="crashReplayWindow">How long QoS 1/2 forwards are kept for a crash of the destination (durable sessions); zero keeps none.</param>
    /// <param name="link">Where the destination's forward link listener is; null = it has none, use Akka remoting.</param>
    public static Props Props(ActorSelection destination, ClusterMetrics metrics, TimeSpan crashReplayWindow, ForwardLinkProtocol.Target? link, ILogger logger) =>
        Akka.Actor.Props.Create(() => new ForwardSenderActor(destination, metrics, crashReplayWindow, link, logger));

    private static long NowMs => Environment.TickCount64;

    /// <summary>How long to wait before asking again when the destination's receiver was not there yet (it starts with the node).</summary>
    private static readonly TimeSpan IdentifyRetry = TimeSpan.FromSeconds(1);

    protected override void PreStart()
    {
        _serializer = (ClusterBrokerSerializer)Context.System.Serialization.FindSerializerForType(typeof(ForwardBatch));
        _destination.Tell(new Identify(null), Self);
        OpenLink();
    }

    protected override void PostStop()
    {
        if (_link is not null)
        {
            _link.Dispose();
            _link = null;
            _metrics.ForwardLinkClosed();
        }

        if (_held.Count > 0)
        {
            _logger.LogDebug("Forward links: {Count} batch(es) for {Destination} were still waiting for its link when it left", _held.Count, _destination.Anchor.Path.Address);
        }
    }

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
                Send(marker, bytes: 16, count: 0);
                break;
            case ForwardLinkSender.Writable writable when writable.Link == _link:
                _link.OnWritable();
                break;
            case LinkOpened opened:
                OnLinkOpened(opened.Link);
                break;
            case LinkFailed failed:
                OnLinkFailed(failed);
                break;
            case ForwardLinkSender.Broken broken:
                OnLinkBroken(broken);
                break;
            case OpenLinkAgain:
                OpenLink();
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

        Send(new ForwardBatch(_batch), _bytes, _batch.Count);
        _metrics.ForwardBatchSent();
        _batch = new List<ForwardedMessage>();
        _bytes = 0;
    }

    /// <summary>A batch or marker, over the link when it is open, held while it is not, or through Akka remoting.</summary>
    private void Send(object message, long bytes, int count)
    {
        if (_viaRemoting)
        {
            Tell(message);
        }
        else if (_link is not null)
        {
            _link.Send(Frame(message));
        }
        else
        {
            Hold(message, bytes, count);
        }
    }

    private void Tell(object message)
    {
        if (_receiver is not null)
        {
            _receiver.Tell(message, ActorRefs.NoSender);
        }
        else
        {
            _destination.Tell(message, ActorRefs.NoSender);
        }
    }

    private byte[] Frame(object message) => message is ForwardMarker
        ? _serializer.ToFrame(ForwardLinkProtocol.MarkerFrame, message)
        : _serializer.ToFrame(ForwardLinkProtocol.BatchFrame, message);

    private void Hold(object message, long bytes, int count)
    {
        // Markers are kept whatever the size (small, and a node actor waits for each).
        if (count > 0 && _heldBytes + bytes > MaxHeldBytes)
        {
            if (_droppedWhileDown == 0)
            {
                _logger.LogWarning(
                    "Forward links: the link to {Destination} is still not open and {Megabytes} MiB wait for it: messages forwarded there are dropped until it opens (counted in $SYS/broker/cluster/forward-links/dropped)",
                    _destination.Anchor.Path.Address, MaxHeldBytes / (1024 * 1024));
            }

            _droppedWhileDown += count;
            _metrics.ForwardsDroppedOnLink(count);
            return;
        }

        _held.Enqueue((message, bytes, count));
        _heldBytes += bytes;
    }

    private void OpenLink()
    {
        if (_viaRemoting || _connecting || _link is not null)
        {
            return;
        }

        _connecting = true;
        ForwardLinkProtocol.Target target = _linkTarget!;
        ForwardLinkSender.ConnectAsync(target.Host, target.Port, target.Hello, Self, ConnectTimeout)
            .PipeTo(Self, success: static link => new LinkOpened(link), failure: static ex => new LinkFailed(
                ex.GetBaseException().Message, Reachable: ex.GetBaseException() is ForwardLinkSender.ForwardLinkRefusedException));
    }

    private void OnLinkOpened(ForwardLinkSender link)
    {
        _connecting = false;
        _link = link;
        _linkEverOpened = true;
        _failures = 0;
        _metrics.ForwardLinkOpened();
        _logger.LogDebug("Forward links: the link to {Destination} is open ({Endpoint})", _destination.Anchor.Path.Address, link.Destination);
        if (_droppedWhileDown > 0)
        {
            _logger.LogWarning("Forward links: the link to {Destination} is open again; {Count} forwarded message(s) were dropped while it was down", _destination.Anchor.Path.Address, _droppedWhileDown);
            _droppedWhileDown = 0;
        }

        while (_held.TryDequeue(out (object Message, long Bytes, int Count) held))
        {
            link.Send(Frame(held.Message));
        }

        _heldBytes = 0;
    }

    private void OnLinkFailed(LinkFailed failed)
    {
        string reason = failed.Reason;
        _connecting = false;
        _failures++;
        _unreachable = failed.Reachable ? 0 : _unreachable + 1;
        _metrics.ForwardLinkFailed();
        if (!_linkEverOpened && _unreachable >= FallbackAfterFailures)
        {
            // Most likely nothing can reach the port (a firewall or network policy that allows only the cluster port).
            _logger.LogWarning(
                "Forward links: the link to {Destination} ({Host}:{Port}) could not be opened in {Tries} tries (last: {Reason}); messages are forwarded there through Akka remoting instead, which costs more CPU and latency",
                _destination.Anchor.Path.Address, _linkTarget!.Host, _linkTarget.Port, _failures, reason);
            _viaRemoting = true;
            while (_held.TryDequeue(out (object Message, long Bytes, int Count) held))
            {
                Tell(held.Message);
            }

            _heldBytes = 0;
            return;
        }

        TimeSpan delay = TimeSpan.FromMilliseconds(Math.Min(MaxReconnectDelay.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(_failures - 1, 10))));
        if (_failures == LogAfterFailures)
        {
            // Not at the first failure: while a node joins, the others may refuse its links for a moment (not a member there yet).
            _logger.LogInformation("Forward links: opening the link to {Destination} failed {Count} times (last: {Reason}); trying again", _destination.Anchor.Path.Address, _failures, reason);
        }
        else
        {
            _logger.LogDebug("Forward links: opening the link to {Destination} failed again ({Reason}); next try in {Delay} ms", _destination.Anchor.Path.Address, reason, (int)delay.TotalMilliseconds);
        }

        Timers.StartSingleTimer(OpenLinkAgain.Instance, OpenLinkAgain.Instance, delay);
    }

    private void OnLinkBroken(ForwardLinkSender.Broken broken)
    {
        if (broken.Link != _link)
        {
            return; // an earlier link, replaced already
        }

        _link.Dispose();
        _link = null;
        _metrics.ForwardLinkClosed();
        _metrics.ForwardLinkFailed();
        _logger.LogWarning(
            "Forward links: the link to {Destination} broke ({Reason}); what it had written and the other node had not read is lost; opening it again",
            _destination.Anchor.Path.Address, broken.Reason);
        OpenLink();
    }

    private sealed record LinkOpened(ForwardLinkSender Link);

    /// <param name="Reachable">The listener answered (a refusal, e.g. this node is not a member there yet): try again, never fall back.</param>
    private sealed record LinkFailed(string Reason, bool Reachable);

    private sealed class OpenLinkAgain
    {
        public static readonly OpenLinkAgain Instance = new();
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
