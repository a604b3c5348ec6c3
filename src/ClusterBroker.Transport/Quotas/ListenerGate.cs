using ClusterBroker.Core.Connections;

namespace ClusterBroker.Transport.Quotas;

/// <summary>
/// Admission of new connections on one listener: at most <see cref="ListenerQuotaOptions.MaxConnections"/> open at
/// once and <see cref="ListenerQuotaOptions.ConnectionRate"/> new ones per second. Called from every I/O thread.
/// </summary>
internal sealed class ListenerGate
{
    private readonly int _maxConnections;
    private readonly TokenBucket? _rate;
    private int _open;

    public ListenerGate(ListenerQuotaOptions options, long now)
    {
        _maxConnections = options.MaxConnections;
        if (options.ConnectionRate > 0)
            _rate = new TokenBucket(options.ConnectionRate, options.ConnectionBurst > 0 ? options.ConnectionBurst : Math.Max(1, Math.Ceiling(options.ConnectionRate)), now);
    }

    /// <summary>Null when the connection is admitted (call <see cref="Release"/> when it closes); else the refusal to count and log.</summary>
    public (QuotaEvent Event, string Reason)? TryAdmit(long now)
    {
        if (_maxConnections > 0 && Interlocked.Increment(ref _open) > _maxConnections)
        {
            Interlocked.Decrement(ref _open);
            return (QuotaEvent.ConnectionsOverLimit, $"{_maxConnections} connections are open (MaxConnections)");
        }
        if (_rate is not null)
        {
            bool admitted;
            lock (_rate)
                admitted = _rate.TryTakeOne(now);
            if (!admitted)
            {
                if (_maxConnections > 0)
                    Interlocked.Decrement(ref _open);
                return (QuotaEvent.ConnectionsOverRate, "more new connections per second than ConnectionRate allows");
            }
        }
        return null;
    }

    public void Release()
    {
        if (_maxConnections > 0)
            Interlocked.Decrement(ref _open);
    }
}
