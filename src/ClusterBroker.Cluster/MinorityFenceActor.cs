using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Core;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster;

/// <summary>
/// Watches whether this node still sees a majority of the cluster, judged as the split-brain resolver's
/// keep-majority judges it (the side with more reachable members survives; on a tie, the side holding the member
/// with the lowest address). A node on the losing side will be downed once the resolver's stable-after passes:
/// until then everything its clients publish or are sent would die with it, so it fences itself at once —
/// disconnects its clients with DISCONNECT 0x9C (Use another server, 5.0) so they reconnect to the majority,
/// refuses new CONNECTs with 0x88 (Server unavailable) and reports not ready. If the partition heals first, the
/// fence lifts.
/// </summary>
public sealed class MinorityFenceActor : UntypedActor
{
    public const string Name = "minority-fence";

    private readonly BrokerContext _context;
    private readonly ILogger _logger;
    private readonly Akka.Cluster.Cluster _cluster;
    private readonly HashSet<Member> _members = new();
    private readonly HashSet<UniqueAddress> _unreachable = new();

    public MinorityFenceActor(BrokerContext context, ILogger logger)
    {
        _context = context;
        _logger = logger;
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
    }

    public static Props Props(BrokerContext context, ILogger logger) => Akka.Actor.Props.Create(() => new MinorityFenceActor(context, logger));

    protected override void PreStart() => _cluster.Subscribe(
        Self,
        ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(ClusterEvent.IMemberEvent),
        typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberRemoved removed:
                _members.RemoveWhere(m => m.UniqueAddress.Equals(removed.Member.UniqueAddress));
                _unreachable.Remove(removed.Member.UniqueAddress);
                break;
            case ClusterEvent.IMemberEvent changed:
                _members.RemoveWhere(m => m.UniqueAddress.Equals(changed.Member.UniqueAddress));
                _members.Add(changed.Member);
                break;
            case ClusterEvent.UnreachableMember unreachable:
                _unreachable.Add(unreachable.Member.UniqueAddress);
                break;
            case ClusterEvent.ReachableMember reachable:
                _unreachable.Remove(reachable.Member.UniqueAddress);
                break;
            default:
                Unhandled(message);
                return;
        }

        Evaluate();
    }

    private void Evaluate()
    {
        // As the resolver counts: members Up or Leaving (joining ones do not decide).
        List<Member> deciding = [.. _members.Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving)];
        if (!deciding.Any(m => m.UniqueAddress.Equals(_cluster.SelfUniqueAddress)))
        {
            return; // not an Up member yet (or any more): nothing to decide here
        }

        bool minority = InMinority([.. deciding.Select(m => (m.Address, !_unreachable.Contains(m.UniqueAddress)))]);
        if (minority == _context.InClusterMinority)
        {
            return;
        }

        _context.InClusterMinority = minority;
        int reachable = deciding.Count(m => !_unreachable.Contains(m.UniqueAddress));
        if (minority)
        {
            _logger.LogWarning(
                "Cluster: this node reaches only {Reachable} of {Members} member(s), a minority that the split-brain resolver will down: disconnecting its {Connections} client(s) (0x9C Use another server) and refusing new ones (0x88 Server unavailable) until the others are reachable again",
                reachable, deciding.Count, _context.Connections.Count);
            _context.Connections.DisconnectAll(ReasonCode.UseAnotherServer);
        }
        else
        {
            _logger.LogWarning("Cluster: this node reaches {Reachable} of {Members} member(s) again, a majority: accepting clients again", reachable, deciding.Count);
        }
    }

    /// <summary>
    /// Keep-majority from this node's side, given every deciding member and whether this node reaches it (itself
    /// included, reachable): fewer reachable than unreachable, or as many and the lowest address unreachable.
    /// </summary>
    public static bool InMinority(IReadOnlyList<(Address Address, bool Reachable)> deciding)
    {
        int reachable = deciding.Count(m => m.Reachable);
        int unreachable = deciding.Count - reachable;
        if (unreachable == 0 || reachable > unreachable)
        {
            return false;
        }

        if (reachable < unreachable)
        {
            return true;
        }

        (Address _, bool lowestReachable) = deciding.OrderBy(m => m.Address, Member.AddressOrdering).First();
        return !lowestReachable;
    }
}
