using System.Collections.Concurrent;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Routing;

/// <summary>
/// Shared-group messages that found no online member where they were placed: passed to another node with members
/// (at most <see cref="NodeRouter.MaxSharedHops"/> extra hops), else kept in the group's queue
/// (<see cref="SharedGroup.Queue"/>) and delivered to the next member that comes online or joins here, or sent to the
/// next node that announces members. A group that ends here with messages waiting hands them to another node; what
/// nobody can take is dropped, counted and logged.
/// </summary>
public sealed class SharedGroupWaiting(NodeRouter router)
{
    private readonly ConcurrentQueue<(RouteKey Group, BrokerMessage[] Messages)> _orphans = new();
    private long _waiting;
    private long _queued;
    private long _dropped;

    /// <summary>Messages waiting in group queues on this node now.</summary>
    public long Count => Volatile.Read(ref _waiting);

    /// <summary>Messages that waited in a group's queue, since start.</summary>
    public long Queued => Volatile.Read(ref _queued);

    /// <summary>Messages dropped: a full group queue, or a group that ended here with messages no other node took.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>The group's last member here left (called under the router's write lock): its waiting messages are handed over after the lock.</summary>
    internal void Orphaned(SharedGroup group)
    {
        if (group.Queue.Count > 0)
        {
            _orphans.Enqueue((group.Key, group.Queue.TakeAll()));
        }
    }

    /// <summary>No member of the group is online here: another node may have one; else the message waits in the group.</summary>
    internal void NoOnlineMember(SharedGroup group, BrokerMessage message, byte hops)
    {
        if (message.QoS == QualityOfService.AtMostOnce && !router.QueueQoS0Messages)
        {
            return; // at most once: nobody online to take it now
        }

        if (hops < NodeRouter.MaxSharedHops && router.Forwarder is { } forwarder && forwarder.ForwardToGroup(message, group.Key, (byte)(hops + 1)))
        {
            return;
        }

        Enqueue(group, message);
    }

    internal void Enqueue(SharedGroup group, BrokerMessage message)
    {
        BrokerMessage? dropped = group.Queue.Enqueue(message);
        Interlocked.Increment(ref _queued);
        if (dropped is null)
        {
            Interlocked.Increment(ref _waiting);
        }
        else
        {
            long drops = Interlocked.Increment(ref _dropped);
            LogDrop(drops, group.Key, dropped, "its queue is full (Broker:MaxQueuedMessagesPerSharedGroup " + router.SharedGroupQueueLimit + ")");
        }

        // A member may have come online between the choice and the enqueue.
        if (group.HasOnlineMember)
        {
            Drain(group, toOtherNodes: false);
        }
    }

    /// <summary>
    /// Delivers the group's waiting messages, oldest first, to its online members here (and, when
    /// <paramref name="toOtherNodes"/>, to another node with members); stops at the first message nobody takes.
    /// One drainer at a time per group, so a message is taken once.
    /// </summary>
    internal void Drain(SharedGroup group, bool toOtherNodes)
    {
        // Another thread drains it, or this one does further up the stack (a delivery that failed came back here
        // through Redispatch and Enqueue): the running drain takes what is left.
        if (Monitor.IsEntered(group.Queue) || !Monitor.TryEnter(group.Queue))
        {
            return;
        }

        try
        {
            while (group.Queue.TryPeek(out BrokerMessage message))
            {
                if (group.TryChoose(message, null, out SharedMember member))
                {
                    group.Deliver(member, message);
                }
                else if (!(toOtherNodes && router.Forwarder is { } forwarder && forwarder.ForwardToGroup(message, group.Key, NodeRouter.MaxSharedHops)))
                {
                    return;
                }

                if (group.Queue.TryDequeue(out _))
                {
                    Interlocked.Decrement(ref _waiting);
                }
            }
        }
        finally
        {
            Monitor.Exit(group.Queue);
        }
    }

    /// <summary>Groups that ended on this node with messages waiting: another node with members takes them, else they are dropped and counted.</summary>
    internal void HandOverOrphans()
    {
        while (_orphans.TryDequeue(out (RouteKey Group, BrokerMessage[] Messages) orphan))
        {
            foreach (BrokerMessage message in orphan.Messages)
            {
                Interlocked.Decrement(ref _waiting);
                if (router.Forwarder is { } forwarder && forwarder.ForwardToGroup(message, orphan.Group, NodeRouter.MaxSharedHops))
                {
                    continue;
                }

                long drops = Interlocked.Increment(ref _dropped);
                LogDrop(drops, orphan.Group, message, "its last member on this node left and no other node has members");
            }
        }
    }

    private void LogDrop(long drops, RouteKey group, BrokerMessage message, string why)
    {
        // The first drops, then one line per thousand: a full queue under load must not flood the log.
        if (drops <= 10 || drops % 1000 == 0)
        {
            router.Logger.LogWarning(
                "Shared group {Group} ({Filter}): a QoS {QoS} message on {Topic} was dropped because {Reason}; {Drops} shared-group message(s) dropped so far",
                group.Group, group.Filter, (int)message.QoS, message.Topic, why, drops);
        }
    }
}
