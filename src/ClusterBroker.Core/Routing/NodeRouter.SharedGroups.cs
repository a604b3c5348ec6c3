using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing.Sharing;
using ClusterBroker.Topics;

namespace ClusterBroker.Core.Routing;

/// <summary>Shared groups: which member of a group gets a message, and what happens to a group's messages when members come, go or are elsewhere.</summary>
public sealed partial class NodeRouter
{
    internal bool IsCurrentGroup(SharedGroup group) => IsCurrent(group);

    /// <summary>The shared group of this node with that name and filter, if it has members here.</summary>
    public bool TryGetGroup(RouteKey key, out SharedGroup group)
    {
        _lock.EnterReadLock();
        try
        {
            return _groups.TryGetValue((key.Group!, key.Filter), out group!);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Gives a shared-group message that a leaving member did not acknowledge (or had not been sent yet) to another
    /// member (emqx_shared_sub's redispatch): an online member here, else another node with members, else the group's
    /// queue when the group has other (offline) members here. False when no other member exists anywhere: the caller
    /// keeps it in the leaving session.
    /// </summary>
    public bool Redispatch(SharedGroup group, QueuedMessage message, SessionEndpoint leaving)
    {
        if (group.TryChoose(message.Message, leaving, out SharedMember member))
        {
            group.Deliver(member, message.Message);
            return true;
        }

        if (Forwarder is { } forwarder && forwarder.ForwardToGroup(message.Message, group.Key, 1))
        {
            return true;
        }

        if (group.MemberCount > 1 && IsCurrent(group))
        {
            Waiting.Enqueue(group, message.Message);
            return true;
        }

        return false;
    }

    /// <summary>A client of the endpoint came online: the groups it belongs to hand it what they kept.</summary>
    internal void EndpointOnline(SessionEndpoint endpoint)
    {
        ISharedMembership? membership = Membership;
        if (Waiting.Count == 0 && membership is null)
        {
            return;
        }

        List<SharedGroup>? waiting = null;
        _lock.EnterReadLock();
        try
        {
            if (endpoint.Subscriptions is { } table)
            {
                foreach (string filter in table.Keys)
                {
                    if (SharedSubscriptionFilter.IsShared(filter)
                        && SharedSubscriptionFilter.Parse(filter, out SharedSubscriptionFilter s).IsValid
                        && _groups.TryGetValue((s.Group, s.Filter), out SharedGroup? group))
                    {
                        membership?.MemberChanged(group.Key, endpoint.ClientId, online: true);
                        if (group.Queue.Count > 0)
                        {
                            (waiting ??= new List<SharedGroup>()).Add(group);
                        }
                    }
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        if (waiting is not null)
        {
            foreach (SharedGroup group in waiting)
            {
                Waiting.Drain(group, toOtherNodes: false);
            }
        }
    }

    /// <summary>The client of the endpoint went away (its session stays): the cluster-wide membership marks its groups offline here.</summary>
    internal void EndpointOffline(SessionEndpoint endpoint)
    {
        if (Membership is not { } membership)
        {
            return;
        }

        _lock.EnterReadLock();
        try
        {
            if (endpoint.Subscriptions is { } table && !endpoint.Removed)
            {
                foreach (string filter in table.Keys)
                {
                    if (SharedSubscriptionFilter.IsShared(filter) && SharedSubscriptionFilter.Parse(filter, out SharedSubscriptionFilter s).IsValid)
                    {
                        membership.MemberChanged(new RouteKey(s.Filter, s.Group), endpoint.ClientId, online: false);
                    }
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Another node announced members of <paramref name="key"/>: what the group kept here while no member was online goes to them.</summary>
    public void GroupJoinedElsewhere(RouteKey key)
    {
        if (Waiting.Count == 0 || key.Group is null || !TryGetGroup(key, out SharedGroup group) || group.Queue.Count == 0)
        {
            return;
        }

        Waiting.Drain(group, toOtherNodes: true);
    }

    private bool IsCurrent(SharedGroup group)
    {
        _lock.EnterReadLock();
        try
        {
            return _groups.TryGetValue((group.Name, group.Filter), out SharedGroup? current) && ReferenceEquals(current, group);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }
}
