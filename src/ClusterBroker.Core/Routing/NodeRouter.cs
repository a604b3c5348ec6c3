using System.Collections.Concurrent;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing.Sharing;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Core.Routing;

/// <summary>
/// The node's router: every subscription of the sessions known on this node, indexed in two
/// <see cref="SubscriptionTrie{TKey, TValue}"/>s (plain subscriptions keyed by session endpoint; shared
/// groups keyed by group), so a PUBLISH costs work proportional to the topic's levels and the matches,
/// never to the number of sessions.
/// </summary>
/// <remarks>
/// <para><b>Concurrency.</b> Publishes arrive from every connection's thread at once; subscription changes
/// are rare by comparison. A <see cref="ReaderWriterLockSlim"/> guards both tries and each endpoint's
/// subscription table: publishes match under the read lock (many at once; matching mutates nothing), and
/// SUBSCRIBE/UNSUBSCRIBE/session end take the write lock. Only matching happens under the lock: the
/// matches are copied into a per-thread scratch list and delivered after the lock is released, so a slow
/// delivery never holds writers up. Shared groups keep their member arrays copy-on-write, so choosing a
/// member needs no lock. Copy-on-write of the whole trie was rejected: a subscription storm would copy
/// it per change.</para>
/// <para><b>Overlapping subscriptions.</b> When several subscriptions of one session match, the session gets
/// one copy at the highest granted QoS with every matching Subscription Identifier ([MQTT-3.3.4-3..5] allow
/// one copy; 3.1.1 asks for the highest QoS); RETAIN is kept when any matching subscription has Retain As
/// Published; No Local subscriptions of the publisher are skipped ([MQTT-3.8.3-3]).</para>
/// </remarks>
public sealed partial class NodeRouter
{
    [ThreadStatic]
    private static List<TrieMatch<SessionEndpoint, Subscription>>? t_matches;

    [ThreadStatic]
    private static List<SharedGroup>? t_groups;

    [ThreadStatic]
    private static List<Aggregate>? t_aggregates;

    [ThreadStatic]
    private static Dictionary<SessionEndpoint, int>? t_index;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly SubscriptionTrie<SessionEndpoint, Subscription> _direct = new(ReferenceEqualityComparer.Instance);
    private readonly SubscriptionTrie<SharedGroup, SharedGroup> _shared = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(string Group, string Filter), SharedGroup> _groups = new();

    /// <summary>Per plain filter, how many persistent sessions here subscribe to it (each &gt; 0 is announced as a <see cref="RouteKey.Persistent"/> route).</summary>
    private readonly Dictionary<string, int> _persistentFilters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SessionEndpoint> _endpoints = new(StringComparer.Ordinal);
    private int _subscriptionCount;
    private ISharedMembership? _membership;

    public NodeRouter(ISessionRegistry sessions)
    {
        Sessions = sessions;
        Waiting = new SharedGroupWaiting(this);
    }

    /// <summary>Shared-group messages that found no online member: passed to another node or kept in their group.</summary>
    public SharedGroupWaiting Waiting { get; }

    /// <summary>Where deliveries for clients that are not online go.</summary>
    public ISessionRegistry Sessions { get; }

    /// <summary>Told when a route of this node appears or disappears (the cluster's route replication); set before clients connect.</summary>
    public IRouteObserver? RouteObserver { get; set; }

    /// <summary>Whether QoS 0 messages for an offline session are queued in it (<see cref="BrokerOptions.QueueQoS0Messages"/>); set before clients connect.</summary>
    public bool QueueQoS0Messages { get; set; }

    /// <summary>How shared groups choose a member (<see cref="BrokerOptions.SharedSubscriptionStrategy"/>); set before clients connect.</summary>
    public ISharedStrategy SharedStrategy { get; set; } = SharedStrategies.RoundRobin;

    /// <summary>Messages a shared group keeps while none of its members is online (<see cref="BrokerOptions.MaxQueuedMessagesPerSharedGroup"/>); set before clients connect.</summary>
    public int SharedGroupQueueLimit { get; set; } = 1000;

    /// <summary>At most this many extra hops between nodes for a shared-group message looking for an online member.</summary>
    public const int MaxSharedHops = 2;

    /// <summary>Logs shared-group drops; set before clients connect.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>Shared-group messages that waited in a group's queue (no member online), since start.</summary>
    public long SharedMessagesQueued => Waiting.Queued;

    /// <summary>Shared-group messages dropped: the group's queue was full, or the group ended here with messages no other node could take.</summary>
    public long SharedMessagesDropped => Waiting.Dropped;

    /// <summary>Shared-group messages waiting in group queues on this node now.</summary>
    public long SharedMessagesWaiting => Waiting.Count;

    /// <summary>Cluster-wide group membership (Redis in cluster mode), told of this node's members; set before clients connect. Null: routes only.</summary>
    public ISharedMembership? Membership
    {
        get => _membership;
        set
        {
            if (_membership is not null)
            {
                _membership.MemberOnlineElsewhere -= GroupJoinedElsewhere;
            }

            _membership = value;
            if (value is not null)
            {
                // A member online on another node takes what this node keeps for the group (even where the group
                // already had members, so no route announces it).
                value.MemberOnlineElsewhere += GroupJoinedElsewhere;
            }
        }
    }

    /// <summary>The other nodes of the cluster; set before clients connect. Null: this node alone.</summary>
    public IClusterForwarder? Forwarder { get; set; }

    /// <summary>
    /// With durable sessions in a cluster: the forwarded messages that reached persistent sessions here, so that a crashed
    /// publisher node's replayed copy does not reach them twice (null: every replayed copy is delivered).
    /// </summary>
    public ReceivedForwards? ReceivedForwards { get; set; }

    /// <summary>Replayed copies not delivered to a persistent session of this node because it had the original (<see cref="ReceivedForwards"/>).</summary>
    public long ReplayRepeatsSkipped => Interlocked.Read(ref _replayRepeatsSkipped);

    private long _replayRepeatsSkipped;

    /// <summary>Subscriptions on this node (plain and shared).</summary>
    public int SubscriptionCount => Volatile.Read(ref _subscriptionCount);

    /// <summary>Sessions known on this node (online or waiting for their client).</summary>
    public int SessionCount => _endpoints.Count;

    public SessionEndpoint GetOrAddEndpoint(string clientId)
    {
        while (true)
        {
            SessionEndpoint endpoint = _endpoints.GetOrAdd(clientId, static (id, router) => new SessionEndpoint(id, router), this);
            if (!endpoint.Removed)
            {
                return endpoint;
            }

            _endpoints.TryRemove(new KeyValuePair<string, SessionEndpoint>(clientId, endpoint));
        }
    }

    /// <summary>Every session endpoint on this node (a moment's view).</summary>
    public IEnumerable<SessionEndpoint> Endpoints() => _endpoints.Values;

    public bool TryGetEndpoint(string clientId, out SessionEndpoint endpoint) => _endpoints.TryGetValue(clientId, out endpoint!);

    /// <summary>Adds or replaces a subscription of the session; <paramref name="shared"/> when it is a shared one.</summary>
    public SubscribeOutcome Subscribe(SessionEndpoint endpoint, Subscription subscription, SharedSubscriptionFilter? shared, int maxSubscriptions)
    {
        SharedGroup? joined = null;
        try
        {
            return SubscribeLocked(endpoint, subscription, shared, maxSubscriptions, out joined);
        }
        finally
        {
            // A member that joins online takes what the group kept while nobody was.
            if (joined is not null && endpoint.IsOnline && joined.Queue.Count > 0)
            {
                Waiting.Drain(joined, toOtherNodes: false);
            }
        }
    }

    private SubscribeOutcome SubscribeLocked(SessionEndpoint endpoint, Subscription subscription, SharedSubscriptionFilter? shared, int maxSubscriptions, out SharedGroup? joined)
    {
        joined = null;
        _lock.EnterWriteLock();
        try
        {
            Dictionary<string, Subscription> table = endpoint.Subscriptions ??= new Dictionary<string, Subscription>(StringComparer.Ordinal);
            bool exists = table.ContainsKey(subscription.Filter);
            if (!exists && maxSubscriptions > 0 && table.Count >= maxSubscriptions)
            {
                return SubscribeOutcome.QuotaExceeded;
            }

            table[subscription.Filter] = subscription;
            endpoint.SubscribedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            if (shared is SharedSubscriptionFilter s)
            {
                if (!_groups.TryGetValue((s.Group, s.Filter), out SharedGroup? group))
                {
                    group = new SharedGroup(s.Group, s.Filter, SharedStrategy, SharedGroupQueueLimit);
                    _groups.Add((s.Group, s.Filter), group);
                    _shared.AddOrUpdate(s.Filter, group, group);
                    RouteObserver?.RouteAdded(new RouteKey(s.Filter, s.Group));
                }

                group.AddOrUpdate(endpoint, subscription);
                joined = group;
                Membership?.MemberChanged(group.Key, endpoint.ClientId, endpoint.IsOnline);
            }
            else
            {
                bool firstOfFilter = RouteObserver is not null && !_direct.ContainsFilter(subscription.Filter);
                _direct.AddOrUpdate(subscription.Filter, endpoint, subscription);
                if (firstOfFilter)
                {
                    RouteObserver!.RouteAdded(new RouteKey(subscription.Filter));
                }

                if (!exists && endpoint.CountedPersistent)
                {
                    AddPersistentLocked(subscription.Filter);
                }
            }

            if (!exists)
            {
                _subscriptionCount++;
            }

            return exists ? SubscribeOutcome.Replaced : SubscribeOutcome.Added;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the subscription with this filter (as written); false when there was none.</summary>
    public bool Unsubscribe(SessionEndpoint endpoint, string filter)
    {
        _lock.EnterWriteLock();
        try
        {
            return RemoveLocked(endpoint, filter);
        }
        finally
        {
            _lock.ExitWriteLock();
            Waiting.HandOverOrphans();
        }
    }

    /// <summary>The session's subscriptions (a copy).</summary>
    public List<Subscription> GetSubscriptions(SessionEndpoint endpoint)
    {
        _lock.EnterReadLock();
        try
        {
            return endpoint.Subscriptions is { } table ? new List<Subscription>(table.Values) : new List<Subscription>();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Removes every subscription of the session, keeping the endpoint.</summary>
    public void ClearSubscriptions(SessionEndpoint endpoint)
    {
        _lock.EnterWriteLock();
        try
        {
            ClearLocked(endpoint);
        }
        finally
        {
            _lock.ExitWriteLock();
            Waiting.HandOverOrphans();
        }
    }

    /// <summary>The session ended: removes its subscriptions and forgets the endpoint (its memory is released).</summary>
    public void RemoveEndpoint(SessionEndpoint endpoint)
    {
        _lock.EnterWriteLock();
        try
        {
            ClearLocked(endpoint);
            endpoint.Removed = true;
        }
        finally
        {
            _lock.ExitWriteLock();
            Waiting.HandOverOrphans();
        }

        _endpoints.TryRemove(new KeyValuePair<string, SessionEndpoint>(endpoint.ClientId, endpoint));
    }

    /// <summary>Every route of this node (a filter with local subscribers, a group with local members), for a snapshot.</summary>
    public List<RouteKey> GetRoutes()
    {
        var routes = new List<RouteKey>();
        _lock.EnterReadLock();
        try
        {
            var filters = new HashSet<string>(StringComparer.Ordinal);
            foreach (SessionEndpoint endpoint in _endpoints.Values)
            {
                if (endpoint.Subscriptions is { } table)
                {
                    foreach (string filter in table.Keys)
                    {
                        if (!SharedSubscriptionFilter.IsShared(filter) && filters.Add(filter))
                        {
                            routes.Add(new RouteKey(filter));
                        }
                    }
                }
            }

            foreach ((string group, string filter) in _groups.Keys)
            {
                routes.Add(new RouteKey(filter, group));
            }

            foreach (string filter in _persistentFilters.Keys)
            {
                routes.Add(RouteKey.Persistent(filter));
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        return routes;
    }

    private bool RemoveLocked(SessionEndpoint endpoint, string filter)
    {
        if (endpoint.Subscriptions is not { } table || !table.Remove(filter))
        {
            return false;
        }

        if (table.Count == 0)
        {
            endpoint.Subscriptions = null;
        }

        _subscriptionCount--;
        if (SharedSubscriptionFilter.IsShared(filter))
        {
            if (SharedSubscriptionFilter.Parse(filter, out SharedSubscriptionFilter s).IsValid
                && _groups.TryGetValue((s.Group, s.Filter), out SharedGroup? group))
            {
                group.Remove(endpoint);
                Membership?.MemberRemoved(group.Key, endpoint.ClientId);
                if (group.MemberCount == 0)
                {
                    Waiting.Orphaned(group);
                    _groups.Remove((s.Group, s.Filter));
                    _shared.Remove(s.Filter, group);
                    RouteObserver?.RouteRemoved(new RouteKey(s.Filter, s.Group));
                }
            }
        }
        else
        {
            if (endpoint.CountedPersistent)
            {
                RemovePersistentLocked(filter);
            }

            _direct.Remove(filter, endpoint);
            if (RouteObserver is not null && !_direct.ContainsFilter(filter))
            {
                RouteObserver.RouteRemoved(new RouteKey(filter));
            }
        }

        return true;
    }

    /// <summary>The session's persistence changed: its plain filters count as persistent ones, or no longer.</summary>
    internal void PersistenceChanged(SessionEndpoint endpoint)
    {
        _lock.EnterWriteLock();
        try
        {
            bool persistent = endpoint.Persistent;
            if (endpoint.CountedPersistent == persistent)
            {
                return;
            }

            endpoint.CountedPersistent = persistent;
            if (endpoint.Subscriptions is not { } table)
            {
                return;
            }

            foreach (string filter in table.Keys)
            {
                if (SharedSubscriptionFilter.IsShared(filter))
                {
                    continue;
                }

                if (persistent)
                {
                    AddPersistentLocked(filter);
                }
                else
                {
                    RemovePersistentLocked(filter);
                }
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private void AddPersistentLocked(string filter)
    {
        _persistentFilters[filter] = _persistentFilters.TryGetValue(filter, out int count) ? count + 1 : 1;
        if (count == 0)
        {
            RouteObserver?.RouteAdded(RouteKey.Persistent(filter));
        }
    }

    private void RemovePersistentLocked(string filter)
    {
        if (!_persistentFilters.TryGetValue(filter, out int count))
        {
            return;
        }

        if (count > 1)
        {
            _persistentFilters[filter] = count - 1;
            return;
        }

        _persistentFilters.Remove(filter);
        RouteObserver?.RouteRemoved(RouteKey.Persistent(filter));
    }

    private void ClearLocked(SessionEndpoint endpoint)
    {
        if (endpoint.Subscriptions is not { } table)
        {
            return;
        }

        string[] filters = new string[table.Count];
        table.Keys.CopyTo(filters, 0);
        foreach (string filter in filters)
        {
            RemoveLocked(endpoint, filter);
        }
    }
}
