namespace ClusterBroker.Core.Channel;

/// <summary>
/// The identities (<see cref="Messages.BrokerMessage.Id"/>) of the messages a resumed session was given in its first
/// seconds on this connection. While a session moves between nodes, a message can reach it along two paths: from the
/// publisher's node directly to the new node, and through the node the session left, which keeps the session's old
/// routes until every node's earlier forwards have reached it (none is lost). The copy that comes second is a repeat
/// and is not sent. Kept for <see cref="Window"/> after the resumption and for at most <see cref="Capacity"/>
/// messages, then dropped: repeats come within the move's round trips, and a connection pays nothing afterwards.
/// </summary>
internal sealed class RecentMessageIds(long untilUnixMs)
{
    /// <summary>How long after a resumption repeats are looked for.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    /// <summary>At most this many identities are remembered (a busy session stops recording, it does not grow).</summary>
    public const int Capacity = 4096;

    private readonly HashSet<ulong> _seen = new();

    public bool Expired(long nowUnixMs) => nowUnixMs >= untilUnixMs;

    /// <summary>True when the message was given before; otherwise remembers it (while there is room).</summary>
    public bool IsRepeat(ulong id)
    {
        if (_seen.Contains(id))
        {
            return true;
        }

        if (_seen.Count < Capacity)
        {
            _seen.Add(id);
        }

        return false;
    }
}
