using ClusterBroker.Cluster.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// The QoS 1/2 messages forwarded to one node during the last <paramref name="window"/> (at most
/// <paramref name="capacity"/>; older ones go first, counted in <see cref="Dropped"/>). Kept by that node's forward
/// sender when sessions are durable: if the node crashes, what was forwarded to it shortly before (and while the
/// failure detector had not noticed yet) is given to the sessions continued from it (<see cref="CrashReplayActor"/>).
/// Used by one actor only.
/// </summary>
internal sealed class RecentForwards(TimeSpan window, int capacity)
{
    private readonly Queue<(long AtMs, ForwardedMessage Forward)> _messages = new();
    private readonly long _windowMs = (long)window.TotalMilliseconds;

    /// <summary>Messages pushed out by the capacity before their window ended.</summary>
    public long Dropped { get; private set; }

    public int Count => _messages.Count;

    public void Add(ForwardedMessage forward, long nowMs)
    {
        if (forward.Message.QoS == QualityOfService.AtMostOnce)
        {
            return;
        }

        Trim(nowMs);
        if (_messages.Count >= capacity)
        {
            _messages.Dequeue();
            Dropped++;
        }

        _messages.Enqueue((nowMs, forward));
    }

    /// <summary>The messages still in the window, oldest first.</summary>
    public List<ForwardedMessage> Snapshot(long nowMs)
    {
        Trim(nowMs);
        var forwards = new List<ForwardedMessage>(_messages.Count);
        foreach ((_, ForwardedMessage forward) in _messages)
        {
            forwards.Add(forward);
        }

        return forwards;
    }

    private void Trim(long nowMs)
    {
        while (_messages.Count > 0 && nowMs - _messages.Peek().AtMs > _windowMs)
        {
            _messages.Dequeue();
        }
    }
}
