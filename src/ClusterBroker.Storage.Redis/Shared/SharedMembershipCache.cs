using System.Collections.Concurrent;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.Storage.Redis.Shared;

/// <summary>
/// This node's copy of the cluster-wide membership: per group, each member's node and online state, and, rebuilt on
/// every change of a group, the addresses of the nodes with an online member (what the publish path reads, without a lock).
/// </summary>
public sealed class SharedMembershipCache
{
    private readonly object _lock = new();
    private Dictionary<RouteKey, Dictionary<string, (string Node, bool Online)>> _groups = new();
    private readonly ConcurrentDictionary<RouteKey, string[]> _onlineNodes = new();

    /// <summary>False until the first complete load from Redis: until then nobody should trust an absence.</summary>
    public bool Loaded { get; private set; }

    public int MemberCount
    {
        get
        {
            lock (_lock)
            {
                return _groups.Values.Sum(g => g.Count);
            }
        }
    }

    public bool TryGetOnlineNodes(RouteKey group, out IReadOnlyCollection<string> nodes)
    {
        if (Loaded && _onlineNodes.TryGetValue(group, out string[]? found))
        {
            nodes = found;
            return true;
        }

        nodes = [];
        return false;
    }

    /// <summary>The member as Redis has it now (a set notification).</summary>
    public void Set(RouteKey group, string clientId, string node, bool online)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(group, out Dictionary<string, (string, bool)>? members))
            {
                _groups.Add(group, members = new Dictionary<string, (string, bool)>(StringComparer.Ordinal));
            }

            members[clientId] = (node, online);
            Publish(group, members);
        }
    }

    /// <summary>The member left, if it is still the one <paramref name="node"/> wrote (a newer entry of another node stays).</summary>
    public void Delete(RouteKey group, string clientId, string node)
    {
        lock (_lock)
        {
            if (_groups.TryGetValue(group, out Dictionary<string, (string Node, bool Online)>? members)
                && members.TryGetValue(clientId, out (string Node, bool Online) member)
                && member.Node == node)
            {
                members.Remove(clientId);
                if (members.Count == 0)
                {
                    _groups.Remove(group);
                }

                Publish(group, members);
            }
        }
    }

    /// <summary>Replaces everything with a complete load from Redis.</summary>
    public void Replace(IEnumerable<(RouteKey Group, string ClientId, string Node, bool Online)> members)
    {
        var groups = new Dictionary<RouteKey, Dictionary<string, (string, bool)>>();
        foreach ((RouteKey group, string clientId, string node, bool online) in members)
        {
            if (!groups.TryGetValue(group, out Dictionary<string, (string, bool)>? list))
            {
                groups.Add(group, list = new Dictionary<string, (string, bool)>(StringComparer.Ordinal));
            }

            list[clientId] = (node, online);
        }

        lock (_lock)
        {
            _groups = groups;
            foreach (RouteKey gone in _onlineNodes.Keys)
            {
                if (!groups.ContainsKey(gone))
                {
                    _onlineNodes.TryRemove(gone, out _);
                }
            }

            foreach ((RouteKey group, Dictionary<string, (string, bool)> list) in groups)
            {
                _onlineNodes[group] = OnlineNodes(list);
            }

            Loaded = true;
        }
    }

    private void Publish(RouteKey group, Dictionary<string, (string Node, bool Online)> members)
    {
        if (members.Count == 0)
        {
            _onlineNodes.TryRemove(group, out _);
        }
        else
        {
            _onlineNodes[group] = OnlineNodes(members);
        }
    }

    private static string[] OnlineNodes(Dictionary<string, (string Node, bool Online)> members)
    {
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string node, bool online) in members.Values)
        {
            if (online)
            {
                nodes.Add(SharedMemberCodec.AddressOf(node));
            }
        }

        return [.. nodes];
    }
}
