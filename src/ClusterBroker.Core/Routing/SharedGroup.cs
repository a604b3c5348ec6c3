using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing;

/// <summary>
/// One shared-subscription group on this node ($share/{group}/{filter} or $queue/{filter}): its members
/// and the round-robin cursor. Members are an immutable array replaced on change (copy-on-write under the
/// router's write lock), so choosing a member on the publish path takes no lock.
/// </summary>
public sealed class SharedGroup(string name, string filter)
{
    private SharedMember[] _members = [];
    private int _cursor = -1;

    public string Name { get; } = name;

    /// <summary>The topic filter (without the $share/{group}/ prefix).</summary>
    public string Filter { get; } = filter;

    public int MemberCount => Volatile.Read(ref _members).Length;

    internal bool AddOrUpdate(SessionEndpoint endpoint, Subscription subscription)
    {
        SharedMember[] members = _members;
        for (int i = 0; i < members.Length; i++)
        {
            if (members[i].Endpoint == endpoint)
            {
                var copy = (SharedMember[])members.Clone();
                copy[i] = new SharedMember(endpoint, subscription);
                Volatile.Write(ref _members, copy);
                return false;
            }
        }

        var grown = new SharedMember[members.Length + 1];
        members.CopyTo(grown, 0);
        grown[^1] = new SharedMember(endpoint, subscription);
        Volatile.Write(ref _members, grown);
        return true;
    }

    internal bool Remove(SessionEndpoint endpoint)
    {
        SharedMember[] members = _members;
        int index = Array.FindIndex(members, m => m.Endpoint == endpoint);
        if (index < 0)
        {
            return false;
        }

        var shrunk = new SharedMember[members.Length - 1];
        Array.Copy(members, 0, shrunk, 0, index);
        Array.Copy(members, index + 1, shrunk, index, members.Length - index - 1);
        Volatile.Write(ref _members, shrunk);
        return true;
    }

    /// <summary>
    /// The next member in round-robin order, preferring members whose client is online; an offline member
    /// (persistent session) is chosen only when no member is online. False when the group is empty or only
    /// <paramref name="exclude"/> is in it.
    /// </summary>
    public bool TryChoose(SessionEndpoint? exclude, out SharedMember chosen)
    {
        SharedMember[] members = Volatile.Read(ref _members);
        int count = members.Length;
        chosen = default;
        if (count == 0)
        {
            return false;
        }

        int start = (int)((uint)Interlocked.Increment(ref _cursor) % (uint)count);
        bool haveOffline = false;
        for (int i = 0; i < count; i++)
        {
            SharedMember candidate = members[(start + i) % count];
            if (candidate.Endpoint == exclude)
            {
                continue;
            }

            if (candidate.Endpoint.IsOnline)
            {
                chosen = candidate;
                return true;
            }

            if (!haveOffline)
            {
                chosen = candidate;
                haveOffline = true;
            }
        }

        return haveOffline;
    }
}
