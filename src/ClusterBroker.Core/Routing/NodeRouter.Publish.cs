using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Routing;

/// <summary>Publishing: a message to every matching session of this node (one copy per session, the highest QoS of its matches) and one member of each matching shared group; forwards to other nodes first.</summary>
public sealed partial class NodeRouter
{
    /// <summary>
    /// Delivers the message to every matching session on this node: one copy per session for its plain
    /// subscriptions, and one copy per shared group to one member. Returns the number of copies routed.
    /// </summary>
    public int Publish(BrokerMessage message) => Publish(message, deliverPlain: true, forward: true, groupNames: null, hops: 0, checkPersistent: false, out _);

    /// <summary>
    /// As <see cref="Publish(BrokerMessage)"/>, and says whether the message reaches a persistent session: one here, or
    /// another node that announced a persistent subscriber of a matching filter (<see cref="RouteKey.Persistent"/>).
    /// </summary>
    public int Publish(BrokerMessage message, out bool reachesPersistent) =>
        Publish(message, deliverPlain: true, forward: true, groupNames: null, hops: 0, checkPersistent: true, out reachesPersistent);

    /// <summary>
    /// Delivers a message another node forwarded here: to this node's plain subscribers when
    /// <paramref name="plain"/>, and to one member of each named shared group the sender placed on this node
    /// (identified by group name and filter). Never forwards plain copies again; a group with no online member here
    /// may pass the message on to another node (<paramref name="hops"/> so far, at most <see cref="MaxSharedHops"/>).
    /// </summary>
    public int DeliverForwarded(BrokerMessage message, bool plain, IReadOnlyList<RouteKey>? groups, byte hops = 0) =>
        Publish(message, plain, forward: false, groups, hops, checkPersistent: false, out _);

    private int Publish(BrokerMessage message, bool deliverPlain, bool forward, IReadOnlyList<RouteKey>? groupNames, byte hops, bool checkPersistent, out bool reachesPersistent)
    {
        List<TrieMatch<SessionEndpoint, Subscription>> matches = t_matches ??= new List<TrieMatch<SessionEndpoint, Subscription>>();
        List<SharedGroup> groups = t_groups ??= new List<SharedGroup>();
        var collector = new MatchCollector(matches);
        var groupCollector = new GroupCollector(groups);
        _lock.EnterReadLock();
        try
        {
            if (deliverPlain)
            {
                _direct.Match(message.Topic, ref collector);
            }

            if (groupNames is not null)
            {
                // Forwarded: only the groups the sending node placed here.
                for (int i = 0; i < groupNames.Count; i++)
                {
                    if (_groups.TryGetValue((groupNames[i].Group!, groupNames[i].Filter), out SharedGroup? named))
                    {
                        groups.Add(named);
                    }
                }
            }
            else if (forward && _groups.Count > 0)
            {
                _shared.Match(message.Topic, ref groupCollector);
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        // A local persistent subscriber, or a shared group (owed the message whoever its members are), answers the
        // journal's question; otherwise the forwarder's match does.
        reachesPersistent = checkPersistent && (groups.Count > 0 || matches.Exists(static m => m.Subscriber.Persistent));
        int routed = 0;
        try
        {
            if (message.Replayed)
            {
                // Replayed from a crashed node's journal: for persistent sessions only, and not to a session of this node
                // that had the original; and for each matching shared group, to one member (at least once: the crashed
                // node may have passed it to a member already).
                matches.RemoveAll(static m => !m.Subscriber.Persistent);
                SkipSessionsThatHadTheOriginal(message, matches);
            }
            else if (!forward && ReceivedForwards is { } received && message.Id != 0 && message.QoS != QualityOfService.AtMostOnce
                && matches.Exists(static m => m.Subscriber.Persistent))
            {
                received.Record(message.Id, System.Diagnostics.Stopwatch.GetTimestamp());
            }

            if (forward && Forwarder is { } forwarder)
            {
                // Before local delivery: the forwarder decides which node serves each shared group.
                routed += forwarder.Forward(message, groups, checkPersistent && !reachesPersistent, out bool remotePersistent);
                reachesPersistent |= remotePersistent;
            }

            if (matches.Count == 1)
            {
                TrieMatch<SessionEndpoint, Subscription> only = matches[0];
                if (!(only.Value.NoLocal && string.Equals(message.PublisherId, only.Subscriber.ClientId, StringComparison.Ordinal)))
                {
                    Subscription s = only.Value;
                    only.Subscriber.Deliver(new Delivery(message, Min(message.QoS, s.QoS), s.RetainAsPublished && message.Retain, s.IdentifierList, null));
                    routed++;
                }
            }
            else if (matches.Count > 1)
            {
                routed += DeliverAggregated(message, matches);
            }

            for (int i = 0; i < groups.Count; i++)
            {
                if (groups[i].TryChoose(message, null, out SharedMember member))
                {
                    groups[i].Deliver(member, message);
                    routed++;
                }
                else
                {
                    Waiting.NoOnlineMember(groups[i], message, hops);
                }
            }
        }
        finally
        {
            matches.Clear();
            groups.Clear();
        }

        return routed;
    }

    private static QualityOfService Min(QualityOfService a, QualityOfService b) => a < b ? a : b;

    private static int DeliverAggregated(BrokerMessage message, List<TrieMatch<SessionEndpoint, Subscription>> matches)
    {
        List<Aggregate> aggregates = t_aggregates ??= new List<Aggregate>();
        Dictionary<SessionEndpoint, int> index = t_index ??= new Dictionary<SessionEndpoint, int>(ReferenceEqualityComparer.Instance);
        try
        {
            for (int i = 0; i < matches.Count; i++)
            {
                TrieMatch<SessionEndpoint, Subscription> match = matches[i];
                Subscription s = match.Value;
                if (s.NoLocal && string.Equals(message.PublisherId, match.Subscriber.ClientId, StringComparison.Ordinal))
                {
                    continue;
                }

                QualityOfService qos = Min(message.QoS, s.QoS);
                bool retain = s.RetainAsPublished && message.Retain;
                if (index.TryGetValue(match.Subscriber, out int at))
                {
                    Aggregate a = aggregates[at];
                    a.QoS = qos > a.QoS ? qos : a.QoS;
                    a.Retain |= retain;
                    if (s.SubscriptionIdentifier is uint id)
                    {
                        if (a.Identifiers is null)
                        {
                            a.Identifiers = [id];
                        }
                        else
                        {
                            (a.Identifiers as List<uint> ?? (List<uint>)(a.Identifiers = new List<uint>(a.Identifiers))).Add(id);
                        }
                    }

                    aggregates[at] = a;
                }
                else
                {
                    index.Add(match.Subscriber, aggregates.Count);
                    aggregates.Add(new Aggregate { Endpoint = match.Subscriber, QoS = qos, Retain = retain, Identifiers = s.IdentifierList });
                }
            }

            for (int i = 0; i < aggregates.Count; i++)
            {
                Aggregate a = aggregates[i];
                a.Endpoint.Deliver(new Delivery(message, a.QoS, a.Retain, a.Identifiers, null));
            }

            return aggregates.Count;
        }
        finally
        {
            aggregates.Clear();
            index.Clear();
        }
    }

    private struct Aggregate
    {
        public SessionEndpoint Endpoint;
        public QualityOfService QoS;
        public bool Retain;
        public IReadOnlyList<uint>? Identifiers;
    }

    private readonly struct MatchCollector(List<TrieMatch<SessionEndpoint, Subscription>> matches) : ITrieMatchCollector<SessionEndpoint, Subscription>
    {
        public void OnMatch(string filter, SessionEndpoint subscriber, Subscription value) => matches.Add(new TrieMatch<SessionEndpoint, Subscription>(filter, subscriber, value));
    }

    private readonly struct GroupCollector(List<SharedGroup> groups) : ITrieMatchCollector<SharedGroup, SharedGroup>
    {
        public void OnMatch(string filter, SharedGroup subscriber, SharedGroup value) => groups.Add(subscriber);
    }

    /// <summary>
    /// Removes the persistent sessions whose subscriptions were all in place here when the original of this replayed
    /// message arrived as a forward (<see cref="ReceivedForwards"/>): they were given it then.
    /// </summary>
    private void SkipSessionsThatHadTheOriginal(BrokerMessage message, List<TrieMatch<SessionEndpoint, Subscription>> matches)
    {
        if (ReceivedForwards is not { } received || message.Id == 0 || matches.Count == 0
            || !received.TryGetArrival(message.Id, System.Diagnostics.Stopwatch.GetTimestamp(), out long arrivedAt))
        {
            return;
        }

        int skipped = matches.RemoveAll(m => m.Subscriber.SubscribedAt < arrivedAt);
        if (skipped > 0)
        {
            Interlocked.Add(ref _replayRepeatsSkipped, skipped);
            Logger.LogDebug("A replayed message on '{Topic}' was not delivered again to {Count} session(s) of this node that had it", message.Topic, skipped);
        }
    }
}
