using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing.Sharing;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Routing;

/// <summary>
/// One shared-subscription group on this node ($share/{group}/{filter} or $queue/{filter}): its members and the
/// strategy's state. Members are an immutable array sorted by ClientId (the order every node uses, so a
/// deterministic strategy makes the same choice everywhere), replaced on change (copy-on-write under the router's
/// write lock), so choosing a member on the publish path takes no lock.
/// </summary>
public sealed class SharedGroup
{
    [ThreadStatic]
    private static string[]? t_names;

    [ThreadStatic]
    private static int[]? t_indexes;

    private readonly ISharedStrategy _strategy;
    private readonly SharedChoiceState _state;
    private Members _members = Members.Empty;

    public SharedGroup(string name, string filter, ISharedStrategy? strategy = null, int queueLimit = 1000)
    {
        Name = name;
        Filter = filter;
        Queue = new GroupQueue(queueLimit);
        _strategy = strategy ?? SharedStrategies.RoundRobin;
        _state = new SharedChoiceState(name + "/" + filter);
    }

    public string Name { get; }

    /// <summary>The topic filter (without the $share/{group}/ prefix).</summary>
    public string Filter { get; }

    /// <summary>Messages waiting for a member to come online (no member of the group was online anywhere).</summary>
    public GroupQueue Queue { get; }

    public RouteKey Key => new(Filter, Name);

    public int MemberCount => Volatile.Read(ref _members).List.Length;

    /// <summary>True when at least one member's client is connected to this node.</summary>
    public bool HasOnlineMember
    {
        get
        {
            foreach (SharedMember member in Volatile.Read(ref _members).List)
            {
                if (member.Endpoint.IsOnline)
                {
                    return true;
                }
            }

            return false;
        }
    }

    internal bool AddOrUpdate(SessionEndpoint endpoint, Subscription subscription)
    {
        SharedMember[] members = _members.List;
        for (int i = 0; i < members.Length; i++)
        {
            if (members[i].Endpoint == endpoint)
            {
                var copy = (SharedMember[])members.Clone();
                copy[i] = new SharedMember(endpoint, subscription);
                Volatile.Write(ref _members, new Members(copy));
                return false;
            }
        }

        var grown = new SharedMember[members.Length + 1];
        members.CopyTo(grown, 0);
        grown[^1] = new SharedMember(endpoint, subscription);
        Array.Sort(grown, static (a, b) => string.CompareOrdinal(a.Endpoint.ClientId, b.Endpoint.ClientId));
        Volatile.Write(ref _members, new Members(grown));
        return true;
    }

    internal bool Remove(SessionEndpoint endpoint)
    {
        SharedMember[] members = _members.List;
        int index = Array.FindIndex(members, m => m.Endpoint == endpoint);
        if (index < 0)
        {
            return false;
        }

        var shrunk = new SharedMember[members.Length - 1];
        Array.Copy(members, 0, shrunk, 0, index);
        Array.Copy(members, index + 1, shrunk, index, members.Length - index - 1);
        Volatile.Write(ref _members, new Members(shrunk));
        return true;
    }

    /// <summary>
    /// The member that gets <paramref name="message"/> by the group's strategy, among the members whose client is
    /// online, other than <paramref name="exclude"/>. False when there is none: the caller decides where the message
    /// waits (another node, the group's queue).
    /// </summary>
    public bool TryChoose(BrokerMessage message, SessionEndpoint? exclude, out SharedMember chosen)
    {
        Members members = Volatile.Read(ref _members);
        SharedMember[] list = members.List;
        chosen = default;
        if (list.Length == 0)
        {
            return false;
        }

        // Fast path: the strategy's choice among all members is usually online (no copying).
        int first = _strategy.Choose(members.Names, message, -1, ChoiceLevel.Member, _state);
        if (list[first].Endpoint.IsOnline && list[first].Endpoint != exclude)
        {
            chosen = list[first];
            return true;
        }

        // Otherwise choose again among the online members only.
        string[] names = t_names is { } n && n.Length >= list.Length ? n : t_names = new string[Math.Max(list.Length, 8)];
        int[] indexes = t_indexes is { } x && x.Length >= list.Length ? x : t_indexes = new int[names.Length];
        int online = 0;
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i].Endpoint.IsOnline && list[i].Endpoint != exclude)
            {
                names[online] = members.Names[i];
                indexes[online++] = i;
            }
        }

        if (online == 0)
        {
            return false;
        }

        int pick = _strategy.Choose(names.AsSpan(0, online), message, -1, ChoiceLevel.Member, _state);
        chosen = list[indexes[pick]];
        Array.Clear(names, 0, online);
        return true;
    }

    /// <summary>
    /// A member whose client is away (a persistent session), other than <paramref name="exclude"/>, for when no member
    /// is online: the message is queued in its session.
    /// </summary>
    public bool TryChooseOffline(SessionEndpoint? exclude, out SharedMember chosen)
    {
        foreach (SharedMember member in Volatile.Read(ref _members).List)
        {
            if (member.Endpoint != exclude)
            {
                chosen = member;
                return true;
            }
        }

        chosen = default;
        return false;
    }

    /// <summary>Delivers <paramref name="message"/> to <paramref name="member"/> as a message of this group (so that it can be redispatched).</summary>
    internal void Deliver(in SharedMember member, BrokerMessage message)
    {
        Subscription s = member.Subscription;
        QualityOfService qos = message.QoS < s.QoS ? message.QoS : s.QoS;
        member.Endpoint.Deliver(new Delivery(message, qos, s.RetainAsPublished && message.Retain, s.IdentifierList, this));
    }

    /// <summary>The members and their ClientIds (the strategy's candidate names), replaced together.</summary>
    private sealed class Members
    {
        public static readonly Members Empty = new([]);

        public Members(SharedMember[] list)
        {
            List = list;
            Names = new string[list.Length];
            for (int i = 0; i < list.Length; i++)
            {
                Names[i] = list[i].Endpoint.ClientId;
            }
        }

        public SharedMember[] List { get; }

        public string[] Names { get; }
    }
}
