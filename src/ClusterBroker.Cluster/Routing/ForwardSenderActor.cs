using System.Net.Sockets;
using Akka.Actor;
using ClusterBroker.Cluster.Links;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Sessions;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Owns the forwarding to one other node. Over a forward link (<see cref="ForwardLinkProtocol"/>), the forwards do not
/// pass through this actor: the routing thread hands them to the destination's <see cref="ForwardLinkWriter"/>, which
/// writes them at once. This actor opens the link, opens it again when it breaks (what waits meanwhile stays in the
/// writer, bounded), passes markers to the writer behind the forwards before them, and hands a crashed destination's
/// recent forwards to the crash replay.
/// </summary>
/// <remarks>
/// <para>A destination that advertises no link (Cluster:ForwardPort -1, or a version without links), or whose link
/// never opens because <see cref="FallbackAfterFailures"/> tries in a row reach no listener (a firewall on the port),
/// is reached through Akka remoting, for good (switching back and forth could reorder a publisher's messages): the
/// writer then tells everything to this actor, which batches it — a batch closes at <see cref="MaxMessages"/> messages
/// or <see cref="MaxBytes"/> bytes, or when the mailbox has no more forwards (a Flush sent to itself arrives after
/// everything queued before it). Batches go to the receiver as an <see cref="IActorRef"/> once an Identify found it (a
/// batch told to an <see cref="ActorSelection"/> travels wrapped and is looked up by path on the other node, per batch);
/// until then through the selection, over the same association.</para>
/// </remarks>
public sealed class ForwardSenderActor : UntypedActor, IWithTimers
{
    public const int MaxMessages = ForwardLinkWriter.MaxMessages;
    public const int MaxBytes = ForwardLinkWriter.MaxBytes;

    /// <summary>A link that never opened falls back to Akka remoting after this many tries in a row that reached no listener (about 3 s).</summary>
    public const int FallbackAfterFailures = 5;

    private const int LogAfterFailures = 4;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait before asking again when the destination's receiver was not there yet (it starts with the node).</summary>
    private static readonly TimeSpan IdentifyRetry = TimeSpan.FromSeconds(1);

    private readonly ActorSelection _destination;
    private readonly ClusterMetrics _metrics;
    private readonly ForwardLinkWriter _writer;
    private readonly ForwardLinkProtocol.Target? _linkTarget;
    private readonly ILogger _logger;
    private Socket? _link;
    private bool _connecting;
    private bool _linkEverOpened;
    private int _failures;
    private int _unreachable;
    private List<ForwardedMessage> _batch = new();
    private int _bytes;
    private bool _flushQueued;

    /// <summary>The destination's receiver, once an Identify through <see cref="_destination"/> found it.</summary>
    private IActorRef? _receiver;

    public ForwardSenderActor(ActorSelection destination, ClusterMetrics metrics, ForwardLinkWriter writer, ForwardLinkProtocol.Target? link, ILogger logger)
    {
        _destination = destination;
        _metrics = metrics;
        _writer = writer;
        _linkTarget = link;
        _logger = logger;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="writer">The destination's writer (remoting from the start when <paramref name="link"/> is null).</param>
    /// <param name="link">Where the destination's forward link listener is; null = it has none, use Akka remoting.</param>
    public static Props Props(ActorSelection destination, ClusterMetrics metrics, ForwardLinkWriter writer, ForwardLinkProtocol.Target? link, ILogger logger) =>
        Akka.Actor.Props.Create(() => new ForwardSenderActor(destination, metrics, writer, link, logger));

    private Address Destination => _destination.Anchor.Path.Address;

    protected override void PreStart()
    {
        _writer.Bind(Self);
        _destination.Tell(new Identify(null), Self);
        OpenLink();
    }

    protected override void PostStop()
    {
        _writer.Close();
        if (_link is not null)
        {
            _link = null;
            _metrics.ForwardLinkClosed();
        }
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ForwardedMessage forward when _writer.ViaRemoting:
                _batch.Add(forward);
                _bytes += ForwardLinkWriter.EstimatedBytes(forward);
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
            case ForwardedMessage forward:
                _writer.Forward(forward); // told here rather than to the writer (a node without the writer at hand)
                break;
            case FlushNow:
                _flushQueued = false;
                Flush();
                break;
            case ForwardMarker marker when _writer.ViaRemoting:
                // Behind every forward this sender was given before it, on the same path as the batches (same order).
                Flush();
                Tell(marker);
                break;
            case ForwardMarker marker:
                _writer.Mark(marker);
                break;
            case LinkOpened opened:
                OnLinkOpened(opened.Socket);
                break;
            case LinkFailed failed:
                OnLinkFailed(failed);
                break;
            case ForwardLinkWriter.LinkBroken broken:
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
        (List<ForwardedMessage> recent, long dropped) = _writer.HandOverRecent(late => ForwardedAfterHandOver(handOver, late));
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

        handOver.Orphaned.CrashReplay.Tell(new ForwardsToCrashedNode(handOver.Orphaned.DeadNode, plain, dropped));
        if (placed.Count > 0)
        {
            handOver.Receiver.Tell(new SharedMessagesOfCrashedNode(handOver.Orphaned.DeadNode, placed));
        }
    }

    /// <summary>
    /// A forward that reached the writer after the hand-over (its publishing thread chose the destination before the
    /// routes were orphaned): it goes where the hand-over sent the others, on the publishing thread.
    /// </summary>
    private static void ForwardedAfterHandOver(HandOverRecentForwards handOver, ForwardedMessage forward)
    {
        handOver.Orphaned.Keep(forward);
        if (forward.Groups is { Count: > 0 } groups)
        {
            handOver.Receiver.Tell(new SharedMessagesOfCrashedNode(handOver.Orphaned.DeadNode, [new ForwardedMessage(forward.Message, Plain: false, groups, forward.Hops)]), ActorRefs.NoSender);
        }
    }

    private void Flush()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        Tell(new ForwardBatch(_batch));
        _metrics.ForwardBatchSent();
        _batch = new List<ForwardedMessage>();
        _bytes = 0;
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

    private void OpenLink()
    {
        if (_writer.ViaRemoting || _connecting || _link is not null)
        {
            return;
        }

        _connecting = true;
        ForwardLinkConnector.ConnectAsync(_linkTarget!, ConnectTimeout)
            .PipeTo(Self, success: static socket => new LinkOpened(socket), failure: static ex => new LinkFailed(
                ex.GetBaseException().Message, Reachable: ex.GetBaseException() is ForwardLinkRefusedException));
    }

    private void OnLinkOpened(Socket socket)
    {
        _connecting = false;
        _link = socket;
        _linkEverOpened = true;
        _failures = 0;
        _metrics.ForwardLinkOpened();
        _logger.LogDebug("Forward links: the link to {Destination} is open ({Endpoint})", Destination, socket.RemoteEndPoint);
        int dropped = _writer.Attach(socket);
        if (dropped > 0)
        {
            _logger.LogWarning("Forward links: the link to {Destination} is open again; {Count} forwarded message(s) were dropped while it was down", Destination, dropped);
        }
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
                Destination, _linkTarget!.Host, _linkTarget.Port, _failures, reason);
            _writer.UseRemoting();
            return;
        }

        TimeSpan delay = TimeSpan.FromMilliseconds(Math.Min(MaxReconnectDelay.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(_failures - 1, 10))));
        if (_failures == LogAfterFailures)
        {
            // Not at the first failure: while a node joins, the others may refuse its links for a moment (not a member there yet).
            _logger.LogInformation("Forward links: opening the link to {Destination} failed {Count} times (last: {Reason}); trying again", Destination, _failures, reason);
        }
        else
        {
            _logger.LogDebug("Forward links: opening the link to {Destination} failed ({Reason}); next try in {Delay} ms", Destination, reason, (int)delay.TotalMilliseconds);
        }

        Timers.StartSingleTimer(OpenLinkAgain.Instance, OpenLinkAgain.Instance, delay);
    }

    private void OnLinkBroken(ForwardLinkWriter.LinkBroken broken)
    {
        if (broken.Socket != _link)
        {
            return; // an earlier link, replaced already
        }

        _link = null;
        _metrics.ForwardLinkClosed();
        _metrics.ForwardLinkFailed();
        _logger.LogWarning(
            "Forward links: the link to {Destination} broke ({Reason}); what it had written and the other node had not read is lost; opening it again",
            Destination, broken.Reason);
        OpenLink();
    }

    private sealed record LinkOpened(Socket Socket);

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
internal sealed record HandOverRecentForwards(OrphanedRoutes Orphaned, ActorSelection Receiver);

/// <summary>Local: shared-group messages placed on a node that crashed, to be placed again (this node's forward receiver).</summary>
internal sealed record SharedMessagesOfCrashedNode(string DeadNode, IReadOnlyList<ForwardedMessage> Messages);
