using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.ClientIds;

/// <summary>
/// One bucket of the cluster-wide ClientId registry (a sharded entity; see <see cref="ClientIdBuckets"/>): the
/// connection of every online ClientId in the bucket, clean or persistent, as (node actor, connection number).
/// A claim by a new connection closes the one holding the ClientId (DISCONNECT 0x8E) and waits until it has
/// ended and handed its session back, so a ClientId is connected once in the whole cluster and the new
/// CONNACK comes after the old connection is gone. A few hundred bytes per online client, and no actor per
/// client. When a node is removed its entries go; when a bucket (re)starts — its node died, or a rebalance —
/// it asks every node for its connections in the bucket, so no online client is forgotten.
/// </summary>
public sealed class ClientIdRegistryActor : UntypedActor, IWithTimers
{
    private readonly int _bucket;
    private readonly TimeSpan _takeoverTimeout;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Holder> _holders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Claim> _claims = new(StringComparer.Ordinal);

    // ClientIds with a persistent session (online or waiting): a clean connect of any other ClientId needs no
    // session entity at all, which keeps connection storms of clean clients off the session shards.
    private readonly HashSet<string> _persistent = new(StringComparer.Ordinal);
    private readonly Akka.Cluster.Cluster _cluster;

    public ClientIdRegistryActor(string bucket, TimeSpan takeoverTimeout, ILogger logger)
    {
        _bucket = int.Parse(bucket, System.Globalization.CultureInfo.InvariantCulture);
        _takeoverTimeout = takeoverTimeout;
        _logger = logger;
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Online ClientIds in this bucket.</summary>
    public int Count => _holders.Count;

    public static Props Props(string bucket, TimeSpan takeoverTimeout, ILogger logger) =>
        Akka.Actor.Props.Create(() => new ClientIdRegistryActor(bucket, takeoverTimeout, logger));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.UnreachableMember));
        foreach (Member member in _cluster.State.Members)
        {
            if (member.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.WeaklyUp)
            {
                Context.ActorSelection(new RootActorPath(member.Address) / "user" / BrokerNodeActor.Name)
                    .Tell(new ReportConnections(_bucket, ClientIdBuckets.Count), Self);
            }
        }
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClaimClientId claim:
                OnClaim(claim);
                break;
            case ReleaseClientId release:
                if (_holders.TryGetValue(release.ClientId, out Holder holder) && holder.Is(release.Node, release.ConnectionId))
                {
                    _holders.Remove(release.ClientId);
                }

                break;
            case PersistentSessionExists exists:
                _persistent.Add(exists.ClientId);
                break;
            case PersistentSessionEnded ended:
                _persistent.Remove(ended.ClientId);
                break;
            case ConnectionClosed closed:
                CompleteClaim(closed.ClientId, closed.ConnectionId);
                break;
            case ClaimTimedOut timedOut:
                if (_claims.ContainsKey(timedOut.ClientId))
                {
                    _logger.LogWarning("ClientId {ClientId}: the previous connection did not confirm it closed within {Timeout}; the new connection takes the ClientId", timedOut.ClientId, _takeoverTimeout);
                    CompleteClaim(timedOut.ClientId, null);
                }

                break;
            case ConnectionsReport report:
                foreach (ConnectionEntry entry in report.Connections)
                {
                    if (entry.Persistent)
                    {
                        _persistent.Add(entry.ClientId);
                    }

                    // A claim made meanwhile is newer than what the node reports.
                    if (entry.ConnectionId >= 0 && !_holders.ContainsKey(entry.ClientId) && !_claims.ContainsKey(entry.ClientId))
                    {
                        _holders[entry.ClientId] = new Holder(Sender, entry.ConnectionId);
                    }
                }

                break;
            case ClusterEvent.MemberRemoved removed:
                ForgetNode(removed.Member.Address);
                break;
            case ClusterEvent.UnreachableMember unreachable:
                // A crashed node never confirms its connections closed: do not make its clients wait for it.
                CompleteClaimsClosingOn(unreachable.Member.Address);
                break;
            case ClusterEvent.IClusterDomainEvent:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnClaim(ClaimClientId claim)
    {
        var holder = new Holder(claim.Node, claim.ConnectionId);
        if (_claims.TryGetValue(claim.ClientId, out Claim? pending) && pending.Claimant.Is(claim.Node, claim.ConnectionId))
        {
            _claims[claim.ClientId] = pending with { ReplyTo = Sender }; // a retried claim: keep waiting
            return;
        }

        if (pending is not null)
        {
            // A third connection while a takeover is pending: takeovers happen in order. The waiting connection gets
            // the ClientId now (the one it waited for is closing anyway) and the newest closes it in turn.
            _claims.Remove(claim.ClientId);
            Timers.Cancel(claim.ClientId);
            _holders[claim.ClientId] = pending.Claimant;
            pending.ReplyTo.Tell(Claimed(claim.ClientId, pending.Claimant.ConnectionId));
        }

        if (!_holders.TryGetValue(claim.ClientId, out Holder current) || current.Is(claim.Node, claim.ConnectionId) || !IsReachableMember(current.Node))
        {
            _holders[claim.ClientId] = holder;
            Sender.Tell(Claimed(claim.ClientId, claim.ConnectionId));
            return;
        }

        // [MQTT-3.1.4-3] Close the existing connection first; its node answers ConnectionClosed once it has ended.
        _claims[claim.ClientId] = new Claim(holder, Sender, current);
        current.Node.Tell(new DisconnectConnection(claim.ClientId, current.ConnectionId, ReasonCode.SessionTakenOver), Self);
        Timers.StartSingleTimer(claim.ClientId, new ClaimTimedOut(claim.ClientId), _takeoverTimeout);
    }

    private ClientIdClaimed Claimed(string clientId, long connectionId) => new(clientId, connectionId, _persistent.Contains(clientId));

    private void CompleteClaim(string clientId, long? closedConnection)
    {
        if (!_claims.TryGetValue(clientId, out Claim? claim) || (closedConnection is long id && id != claim.Closing.ConnectionId))
        {
            return;
        }

        _claims.Remove(clientId);
        Timers.Cancel(clientId);
        _holders[clientId] = claim.Claimant;
        claim.ReplyTo.Tell(Claimed(clientId, claim.Claimant.ConnectionId));
    }

    private void ForgetNode(Address address)
    {
        List<string>? gone = null;
        foreach ((string clientId, Holder holder) in _holders)
        {
            if (holder.Node.Path.Address.Equals(address))
            {
                (gone ??= new List<string>()).Add(clientId);
            }
        }

        if (gone is not null)
        {
            foreach (string clientId in gone)
            {
                _holders.Remove(clientId);
            }
        }

        CompleteClaimsClosingOn(address);
    }

    private void CompleteClaimsClosingOn(Address address)
    {
        List<string>? waiting = null;
        foreach ((string clientId, Claim claim) in _claims)
        {
            if (claim.Closing.Node.Path.Address.Equals(address))
            {
                (waiting ??= new List<string>()).Add(clientId);
            }
        }

        if (waiting is not null)
        {
            foreach (string clientId in waiting)
            {
                CompleteClaim(clientId, null);
            }
        }
    }

    /// <summary>
    /// False when the node holding a connection is gone or unreachable: its connection cannot be closed
    /// cleanly, and the new connection does not wait for it. (In a network partition this lets a client
    /// reconnect on the majority side at once; the split-brain resolver then downs the minority, which
    /// closes its connections.)
    /// </summary>
    private bool IsReachableMember(IActorRef node)
    {
        Address address = node.Path.Address;
        if (address.HasLocalScope || address.Equals(_cluster.SelfAddress))
        {
            return true;
        }

        foreach (Member member in _cluster.State.Unreachable)
        {
            if (member.Address.Equals(address))
            {
                return false;
            }
        }

        foreach (Member member in _cluster.State.Members)
        {
            if (member.Address.Equals(address))
            {
                return member.Status != MemberStatus.Removed && member.Status != MemberStatus.Down;
            }
        }

        return false;
    }

    /// <summary>The connection holding a ClientId: its node actor and that node's connection number.</summary>
    private readonly record struct Holder(IActorRef Node, long ConnectionId)
    {
        public bool Is(IActorRef node, long connectionId) => ConnectionId == connectionId && Node.Equals(node);
    }

    private sealed record Claim(Holder Claimant, IActorRef ReplyTo, Holder Closing);

    private sealed record ClaimTimedOut(string ClientId);
}
