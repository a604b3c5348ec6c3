using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster;

/// <summary>
/// Logs one line per membership change, with the number of members up, and keeps the member count for
/// $SYS: what an operator watches when nodes join, leave, or are downed by the split-brain resolver.
/// </summary>
public sealed class ClusterMembershipActor : UntypedActor
{
    private readonly ILogger _logger;
    private readonly ClusterMetrics _metrics;
    private readonly Akka.Cluster.Cluster _cluster;

    // From the events themselves: Cluster.State is updated by another subscriber and may lag behind them.
    private readonly HashSet<UniqueAddress> _up = new();

    public ClusterMembershipActor(ILogger logger, ClusterMetrics metrics)
    {
        _logger = logger;
        _metrics = metrics;
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
    }

    public static Props Props(ILogger logger, ClusterMetrics metrics) => Akka.Actor.Props.Create(() => new ClusterMembershipActor(logger, metrics));

    protected override void PreStart() => _cluster.Subscribe(
        Self,
        ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(ClusterEvent.MemberUp),
        typeof(ClusterEvent.MemberRemoved),
        typeof(ClusterEvent.UnreachableMember),
        typeof(ClusterEvent.ReachableMember));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberUp up:
                _up.Add(up.Member.UniqueAddress);
                _metrics.SetMembers(_up.Count);
                _logger.LogInformation("Cluster: {Address} joined; {Count} member(s) up", up.Member.Address, _up.Count);
                break;
            case ClusterEvent.MemberRemoved removed:
                _up.Remove(removed.Member.UniqueAddress);
                _metrics.SetMembers(_up.Count);
                if (removed.PreviousStatus == MemberStatus.Down)
                {
                    _logger.LogWarning("Cluster: {Address} was removed (unreachable, downed); {Count} member(s) up", removed.Member.Address, _up.Count);
                }
                else
                {
                    _logger.LogInformation("Cluster: {Address} left; {Count} member(s) up", removed.Member.Address, _up.Count);
                }

                break;
            case ClusterEvent.UnreachableMember unreachable:
                _logger.LogWarning("Cluster: {Address} is unreachable", unreachable.Member.Address);
                break;
            case ClusterEvent.ReachableMember reachable:
                _logger.LogInformation("Cluster: {Address} is reachable again", reachable.Member.Address);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
