using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using ClusterBroker.Cluster.Messages;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// One per node: sends again the session messages that Akka's sharding dropped while their entity's shard was
/// handed off (a node leaving, a rebalance), so a session entity moving between nodes loses none of them.
/// </summary>
/// <remarks>
/// Sharding delivers at most once across a hand-off. The region hosting the shard drops the messages it buffered
/// between BeginHandOff and HandOff ("Avoiding reordering of buffered messages at shard handoff"), the shard ignores
/// (Unhandled) what reaches it while its entities stop, and what reaches a stopped entity goes to dead letters. All
/// three are published on the event stream; this actor takes the session messages among them that must not be lost
/// (a message for the session's queue, a hand-back, a handed-off state, an endpoint move) and gives them back to
/// sharding, which buffers them until the shard's new home is known. On a node that is leaving they go to the
/// region of another member, since this node's region is stopping. They may arrive out of order or twice
/// (a QoS 1 duplicate, as a move may already repeat), never lost in the hand-off.
/// </remarks>
public sealed class HandOffRescueActor : UntypedActor
{
    public const string Name = "session-hand-off-rescue";

    /// <summary>The reason sharding gives when its region drops a shard's buffered messages at hand-off.</summary>
    private const string HandOffDropReason = "handoff";

    private readonly IActorRef _localRegion;
    private readonly ILogger _logger;

    public HandOffRescueActor(IActorRef localRegion, ILogger logger)
    {
        _localRegion = localRegion;
        _logger = logger;
    }

    public static Props Props(IActorRef localRegion, ILogger logger) =>
        Akka.Actor.Props.Create(() => new HandOffRescueActor(localRegion, logger));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(AllDeadLetters));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        // A Dropped or UnhandledMessage told to the dead-letters actor is published wrapped in a DeadLetter.
        if (message is DeadLetter { Message: AllDeadLetters inner })
        {
            message = inner;
        }

        switch (message)
        {
            case Dropped dropped when IsSessionMessage(dropped.Message) && dropped.Reason.Contains(HandOffDropReason, StringComparison.OrdinalIgnoreCase):
                Rescue(dropped.Message, dropped.Sender, "dropped by the region at hand-off");
                break;
            case UnhandledMessage unhandled when IsSessionMessage(unhandled.Message) && IsSessionShard(unhandled.Recipient):
                Rescue(unhandled.Message, unhandled.Sender, "ignored by its shard during hand-off");
                break;
            case DeadLetter dead when IsSessionMessage(dead.Message) && IsSessionEntity(dead.Recipient):
                Rescue(dead.Message, dead.Sender, "sent to its entity after it stopped");
                break;
        }
    }

    /// <summary>The session messages whose loss loses client data (a retried attach or a lost acknowledgement does not).</summary>
    private static bool IsSessionMessage(object message) =>
        message is EnqueueMessage or DetachSession or RestoreSession or SessionEndpointMoved;

    // A local path /system/sharding/mqtt-session/{shard}: the shard; /{shard}/{entity}: the session entity.
    private static bool IsSessionShard(IActorRef recipient) => IsUnderSessionRegion(recipient, depth: 1);

    private static bool IsSessionEntity(IActorRef recipient) => IsUnderSessionRegion(recipient, depth: 2);

    private static bool IsUnderSessionRegion(IActorRef recipient, int depth)
    {
        ActorPath? path = recipient?.Path;
        for (int i = 0; i < depth && path is not null; i++)
        {
            path = path.Parent;
        }

        return path is not null && path.Name == BrokerNode.SessionTypeName && path.Parent.Name == "sharding";
    }

    private void Rescue(object message, IActorRef sender, string how)
    {
        string clientId = ((ISessionMessage)message).ClientId;
        var cluster = Akka.Cluster.Cluster.Get(Context.System);

        // A leaving node hands its shards off in its coordinated shutdown, while its member status is still Up.
        if (cluster.SelfMember.Status == MemberStatus.Up && CoordinatedShutdown.Get(Context.System).ShutdownReason is null)
        {
            _logger.LogInformation("Session of client {ClientId}: a {Message} was {How}; sent again", clientId, message.GetType().Name, how);
            _localRegion.Tell(message, sender);
            return;
        }

        // This node is stopping: its region stops once its shards are handed off, so another member's region takes it.
        foreach (Member member in cluster.State.Members)
        {
            if (member.Status == MemberStatus.Up && !member.UniqueAddress.Equals(cluster.SelfUniqueAddress)
                && !cluster.State.Unreachable.Contains(member))
            {
                _logger.LogInformation("Session of client {ClientId}: a {Message} was {How}; sent again through {Member}", clientId, message.GetType().Name, how, member.Address);
                Context.ActorSelection(new RootActorPath(member.Address) / "system" / "sharding" / BrokerNode.SessionTypeName).Tell(message, sender);
                return;
            }
        }

        _logger.LogWarning("Session of client {ClientId}: a {Message} was {How} and no other member can take it; it is lost", clientId, message.GetType().Name, how);
    }
}
