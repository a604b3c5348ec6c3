using System.Diagnostics;

namespace ClusterBroker.Transport.Quotas;

/// <summary>
/// A token bucket on the <see cref="Stopwatch"/> clock: refills at a rate up to a burst. Taking more than is there
/// leaves a debt (what was read was read) that must be paid back before the next take succeeds, so the long-run
/// average never exceeds the rate whatever the size of each take. Not thread-safe: one owner (a connection's event
/// loop), or a lock held by the caller.
/// </summary>
internal sealed class TokenBucket
{
    private readonly double _perTick;
    private readonly double _burst;
    private double _tokens;
    private long _last;

    public TokenBucket(double ratePerSecond, double burst, long now)
    {
        _perTick = ratePerSecond / Stopwatch.Frequency;
        _burst = burst;
        _tokens = burst;
        _last = now;
    }

    /// <summary>Takes the amount; returns how long (in Stopwatch ticks) until the balance is back to zero: 0 when there was enough.</summary>
    public long Take(double amount, long now)
    {
        Refill(now);
        _tokens -= amount;
        return _tokens >= 0 ? 0 : (long)Math.Ceiling(-_tokens / _perTick);
    }

    /// <summary>Takes one token if there is one; false (and nothing taken) otherwise.</summary>
    public bool TryTakeOne(long now)
    {
        Refill(now);
        if (_tokens < 1)
            return false;
        _tokens -= 1;
        return true;
    }

    private void Refill(long now)
    {
        long elapsed = now - _last;
        _last = now;
        if (elapsed > 0)
            _tokens = Math.Min(_burst, _tokens + elapsed * _perTick);
    }
}
