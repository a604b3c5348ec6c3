using System.Diagnostics;

namespace ClusterBroker.Core.Messages;

/// <summary>
/// Decides, per connection, which received PUBLISHes carry a receive timestamp for the delivery-latency
/// histogram: the first and then one in <see cref="Every"/>. A plain countdown owned by one connection (its
/// event loop), so the message path pays one decrement and no shared write; 1 in 64 keeps the timestamp
/// and the observations off nearly every message while a busy node still gets thousands of samples a minute.
/// </summary>
public struct LatencySampler
{
    public const int Every = 64;

    private int _countdown;

    /// <summary>A <see cref="Stopwatch"/> timestamp for a sampled message, else 0.</summary>
    public long Next()
    {
        if (--_countdown >= 0)
        {
            return 0;
        }

        _countdown = Every - 1;
        return Stopwatch.GetTimestamp();
    }
}
