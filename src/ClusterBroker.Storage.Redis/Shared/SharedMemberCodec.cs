using ClusterBroker.Core.Routing;

namespace ClusterBroker.Storage.Redis.Shared;

/// <summary>
/// How a member is written in Redis: the hash field is "group NUL filter NUL clientId", the value "node NUL 1|0"
/// (online or not). NUL separates safely: MQTT forbids U+0000 in topic filters and ClientIds ([MQTT-1.5.4-2]) and node
/// addresses never hold one. The node names its incarnation ("akka.tcp://name@host:port#uid"), so a node restarted
/// at the same address does not take its previous run's entries for its own.
/// </summary>
public static class SharedMemberCodec
{
    public const char Separator = '\0';

    public static string Field(RouteKey group, string clientId) => group.Group + Separator + group.Filter + Separator + clientId;

    public static string Value(string node, bool online) => node + Separator + (online ? '1' : '0');

    public static bool TryParseField(string field, out RouteKey group, out string clientId)
    {
        group = default;
        clientId = "";
        int first = field.IndexOf(Separator, StringComparison.Ordinal);
        int second = first < 0 ? -1 : field.IndexOf(Separator, first + 1);
        if (first <= 0 || second < 0 || second == first + 1 || second == field.Length - 1)
        {
            return false;
        }

        group = new RouteKey(field[(first + 1)..second], field[..first]);
        clientId = field[(second + 1)..];
        return true;
    }

    public static bool TryParseValue(string value, out string node, out bool online)
    {
        node = "";
        online = false;
        if (value.Length < 3 || value[^2] != Separator || value[^1] is not ('0' or '1'))
        {
            return false;
        }

        node = value[..^2];
        online = value[^1] == '1';
        return true;
    }

    /// <summary>The node's address without its incarnation's uid ("akka.tcp://name@host:port"), as RemoteNode.Name.</summary>
    public static string AddressOf(string node)
    {
        int hash = node.LastIndexOf('#');
        return hash < 0 ? node : node[..hash];
    }
}
