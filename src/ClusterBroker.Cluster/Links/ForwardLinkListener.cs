using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Cluster.Serialization;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Links;

/// <summary>
/// Accepts the forward links other members open to this node (<see cref="ForwardLinkProtocol"/>) and delivers what
/// arrives on each, in order, on the link's own receive loop: a batch straight to this node's subscribers
/// (<see cref="ForwardDelivery"/>), a marker on to the node actor once everything before it is delivered.
/// </summary>
/// <remarks>
/// Bound before the actor system starts, so that its port can go into the node's cluster role. A link is accepted
/// only from a current member of this cluster that means this incarnation of this node; anything else is refused
/// with a reason and logged. Links carry no credentials, like Akka remoting here: both belong on the cluster network.
/// </remarks>
public sealed class ForwardLinkListener : IAsyncDisposable
{
    private const int ReceiveBuffer = 64 * 1024;
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly int _maxFrame;
    private readonly ClusterMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    /// <summary>The open links and the member each comes from ("address#uid"; the remote endpoint until its hello is read).</summary>
    private readonly ConcurrentDictionary<Socket, string> _links = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _closed;
    private ActorSystem? _system;
    private ForwardDelivery? _delivery;
    private ClusterBrokerSerializer? _serializer;
    private ActorSelection? _markers;

    private ForwardLinkListener(Socket socket, int maxFrame, ClusterMetrics metrics, ILogger logger)
    {
        _socket = socket;
        _maxFrame = maxFrame;
        _metrics = metrics;
        _logger = logger;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The port it listens on (the one asked for, or the one the system chose for 0).</summary>
    public int Port { get; }

    /// <summary>Binds to <paramref name="host"/>:<paramref name="port"/> (0 = any free port); accepts nothing until <see cref="Start"/>.</summary>
    /// <param name="maxFrame">The largest frame a link may carry (the cluster's maximum frame size); a larger one closes the link.</param>
    public static ForwardLinkListener Bind(string host, int port, int maxFrame, ClusterMetrics metrics, ILogger logger)
    {
        IPAddress address = IPAddress.TryParse(host, out IPAddress? parsed)
            ? parsed
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
              ?? throw new ArgumentException($"Cluster host '{host}' does not resolve to an address for the forward link listener.");
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(64);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new InvalidOperationException($"The forward link listener cannot bind {host}:{port} (Cluster:ForwardPort): {ex.Message}", ex);
        }

        return new ForwardLinkListener(socket, maxFrame, metrics, logger);
    }

    /// <summary>Starts accepting links; what arrives goes to <paramref name="delivery"/>.</summary>
    public void Start(ActorSystem system, ForwardDelivery delivery)
    {
        _system = system;
        _delivery = delivery;
        _serializer = new ClusterBrokerSerializer((ExtendedActorSystem)system);
        _markers = system.ActorSelection(ForwardReceiverActor.MarkerDestination);
        system.ActorOf(Akka.Actor.Props.Create(() => new MembershipWatcher(this)), "forward-links");
        _acceptLoop = AcceptAsync(_stop.Token);
    }

    private async Task AcceptAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket link;
            try
            {
                link = await _socket.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.LogWarning("Forward links: accepting a connection failed ({Error}); still listening", ex.SocketErrorCode);
                continue;
            }

            link.NoDelay = true;
            _links[link] = link.RemoteEndPoint?.ToString() ?? "?";
            _ = ServeAsync(link, stop);
        }
    }

    private async Task ServeAsync(Socket link, CancellationToken stop)
    {
        string remote = link.RemoteEndPoint?.ToString() ?? "?";
        string from = remote;
        try
        {
            ForwardLinkProtocol.Hello? hello = await ReadHelloAsync(link, remote, stop).ConfigureAwait(false);
            if (hello is null)
            {
                return;
            }

            from = hello.SenderAddress;
            _links[link] = MemberKey(hello.SenderAddress, hello.SenderUid);
            _logger.LogDebug("Forward links: {Member} opened a link ({Remote})", from, remote);
            await ReceiveFramesAsync(link, stop).ConfigureAwait(false);
            _logger.LogDebug("Forward links: the link from {Member} was closed by its sender", from);
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
        }
        catch (InvalidDataException ex)
        {
            _logger.LogWarning("Forward links: closed the link from {Member}: {Reason}", from, ex.Message);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            _logger.LogDebug("Forward links: the link from {Member} broke ({Error})", from, ex.Message);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Forward links: delivering what {Member} forwarded failed; the link is closed (the sender opens it again)", from);
        }
        finally
        {
            _links.TryRemove(link, out _);
            link.Dispose();
        }
    }

    /// <summary>Reads and checks the hello and answers it; null when the link was refused (answered, logged and counted).</summary>
    private async Task<ForwardLinkProtocol.Hello?> ReadHelloAsync(Socket link, string remote, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(HelloTimeout);
        ForwardLinkProtocol.Hello hello;
        try
        {
            byte[] lengthBytes = new byte[4];
            // Not owning the socket: the receive loop goes on reading it after the hello.
            using var stream = new NetworkStream(link, ownsSocket: false);
            await stream.ReadExactlyAsync(lengthBytes, timeout.Token).ConfigureAwait(false);
            int length = BinaryPrimitives.ReadInt32BigEndian(lengthBytes);
            if (length is < 1 or > ForwardLinkProtocol.MaxHello)
            {
                throw new InvalidDataException($"not a forward link (hello of {length} bytes)");
            }

            byte[] body = new byte[length];
            await stream.ReadExactlyAsync(body, timeout.Token).ConfigureAwait(false);
            hello = ForwardLinkProtocol.ReadHello(body);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return await RefuseAsync(link, remote, $"no hello within {HelloTimeout.TotalSeconds:0} s").ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            return await RefuseAsync(link, remote, "closed during the hello").ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            return await RefuseAsync(link, remote, ex.Message).ConfigureAwait(false);
        }

        if (RefusalReason(hello) is { } reason)
        {
            LogLevel level = reason == NotMemberYet ? LogLevel.Debug : LogLevel.Warning;
            return await RefuseAsync(link, $"{hello.SenderAddress} ({remote})", reason, level).ConfigureAwait(false);
        }

        await link.SendAsync(new[] { ForwardLinkProtocol.Accepted }, SocketFlags.None, stop).ConfigureAwait(false);
        return hello;
    }

    private const string NotMemberYet = "it is not a member of this cluster (yet)";

    private string? RefusalReason(ForwardLinkProtocol.Hello hello)
    {
        var cluster = Akka.Cluster.Cluster.Get(_system!);
        if (hello.ClusterName != _system!.Name)
        {
            return $"it belongs to cluster '{hello.ClusterName}', this node to '{_system.Name}'";
        }

        if (hello.DestinationUid != cluster.SelfUniqueAddress.Uid)
        {
            return $"it means incarnation {hello.DestinationUid} of this address, this node is {cluster.SelfUniqueAddress.Uid}";
        }

        foreach (Member member in cluster.State.Members)
        {
            if (member.UniqueAddress.Uid == hello.SenderUid && member.Address.ToString() == hello.SenderAddress)
            {
                return member.Status is MemberStatus.Removed or MemberStatus.Down ? $"it is {member.Status}" : null;
            }
        }

        return NotMemberYet;
    }

    /// <param name="level">Debug for a member this node does not know yet (normal while a node joins), else Warning.</param>
    private async Task<ForwardLinkProtocol.Hello?> RefuseAsync(Socket link, string from, string reason, LogLevel level = LogLevel.Warning)
    {
        _metrics.ForwardLinkRefused();
        _logger.Log(level, "Forward links: refused a link from {From}: {Reason}", from, reason);
        try
        {
            await link.SendAsync(ForwardLinkProtocol.WriteRefusal(reason), SocketFlags.None).ConfigureAwait(false);
            // Closing with unread bytes would reset the connection, and the other end might lose the reason: end the
            // sending side, then read what it still sends (a little, briefly) until it closes too.
            link.Shutdown(SocketShutdown.Send);
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            byte[] discard = new byte[4096];
            for (int total = 0, n; total < 64 * 1024 && (n = await link.ReceiveAsync(discard, SocketFlags.None, drain.Token).ConfigureAwait(false)) > 0; total += n)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // it went away already, or keeps sending: the reason was sent; close anyway
        }

        return null;
    }

    /// <summary>Reads frames until the sender closes the link; each is delivered before the next is read.</summary>
    private async Task ReceiveFramesAsync(Socket link, CancellationToken stop)
    {
        byte[] buffer = new byte[ReceiveBuffer];
        int start = 0;
        int filled = 0;
        while (true)
        {
            // Deliver every whole frame in the buffer.
            while (filled - start >= 4)
            {
                int length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start));
                if (length < 1 || length > _maxFrame)
                {
                    throw new InvalidDataException($"a frame of {length} bytes (at most {_maxFrame})");
                }

                if (filled - start - 4 < length)
                {
                    break;
                }

                Dispatch(buffer[start + 4], new ArraySegment<byte>(buffer, start + ForwardLinkProtocol.FrameHeader, length - 1));
                start += 4 + length;
            }

            // Keep the partial frame at the front, with room for all of it.
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                filled -= start;
                start = 0;
            }

            int needed = filled >= 4 ? 4 + BinaryPrimitives.ReadInt32BigEndian(buffer) : 0;
            if (needed > buffer.Length)
            {
                Array.Resize(ref buffer, needed);
            }
            else if (buffer.Length > ReceiveBuffer && needed <= ReceiveBuffer && filled <= ReceiveBuffer)
            {
                // A large frame passed: do not keep its buffer for the link's life.
                byte[] small = new byte[ReceiveBuffer];
                Buffer.BlockCopy(buffer, 0, small, 0, filled);
                buffer = small;
            }

            int read = await link.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, stop).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            filled += read;
        }
    }

    private void Dispatch(byte kind, ArraySegment<byte> body)
    {
        switch (kind)
        {
            case ForwardLinkProtocol.BatchFrame:
                var batch = (ForwardBatch)_serializer!.FromBinary(body, ClusterBrokerSerializer.ForwardManifest);
                _metrics.AddForwardsReceivedOverLink(batch.Messages.Count);
                _delivery!.Deliver(batch.Messages);
                break;
            case ForwardLinkProtocol.MarkerFrame:
                // Everything its sender forwarded here before it is delivered: the node actor waits for it.
                _markers!.Tell((ForwardMarker)_serializer!.FromBinary(body, ClusterBrokerSerializer.MarkerManifest), ActorRefs.NoSender);
                break;
            default:
                throw new InvalidDataException($"a frame of unknown kind {kind}");
        }
    }

    private static string MemberKey(string address, long uid) => address + "#" + uid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Closes the links from a member that was downed or removed: whatever it still sends must not reach this node's
    /// subscribers (Akka remoting quarantines such a node the same way).
    /// </summary>
    private void CloseLinksFrom(UniqueAddress member)
    {
        string key = MemberKey(member.Address.ToString(), member.Uid);
        foreach (KeyValuePair<Socket, string> link in _links)
        {
            if (link.Value == key)
            {
                _logger.LogDebug("Forward links: closing the link from {Member}, which is no longer a member", member.Address);
                link.Key.Dispose();
            }
        }
    }

    /// <summary>Tells the listener which members were downed or removed.</summary>
    private sealed class MembershipWatcher(ForwardLinkListener listener) : UntypedActor
    {
        protected override void PreStart() =>
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

        protected override void OnReceive(object message)
        {
            if (message is ClusterEvent.MemberRemoved or ClusterEvent.IMemberEvent { Member.Status: MemberStatus.Down })
            {
                listener.CloseLinksFrom(((ClusterEvent.IMemberEvent)message).Member.UniqueAddress);
            }
        }
    }

    /// <summary>
    /// Stops listening and closes every link at once, without waiting for their loops to end (safe from the actor
    /// system's termination callbacks, which must not block).
    /// </summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _socket.Dispose();
        foreach (Socket link in _links.Keys)
        {
            link.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // stopped
        }

        _stop.Dispose();
    }
}
