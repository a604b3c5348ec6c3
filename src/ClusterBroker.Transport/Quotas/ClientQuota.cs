using System.Diagnostics;
using ClusterBroker.Core.Connections;
using ClusterBroker.Protocol;

namespace ClusterBroker.Transport.Quotas;

/// <summary>
/// One client's byte and publish allowances (event loop only). Each read or PUBLISH is charged; when an allowance is
/// overdrawn the verdict says how long the client's reads must pause, and, once it has stayed over its limit for
/// <see cref="ListenerQuotaOptions.DisconnectAfter"/>, that it must go.
/// </summary>
internal sealed class ClientQuota
{
    private readonly TokenBucket? _bytes;
    private readonly TokenBucket? _publishes;
    private readonly long _disconnectAfterTicks;
    private readonly string _section;
    private long _overSince; // 0 = within its limits

    /// <param name="section">The listener's quota section ("Transport:Quotas"), named in log lines.</param>
    public ClientQuota(ListenerQuotaOptions options, string section, long now)
    {
        _section = section;
        if (options.BytesPerSecond > 0)
            _bytes = new TokenBucket(options.BytesPerSecond, options.BytesBurst > 0 ? options.BytesBurst : options.BytesPerSecond, now);
        if (options.PublishRate > 0)
            _publishes = new TokenBucket(options.PublishRate, options.PublishBurst > 0 ? options.PublishBurst : Math.Max(1, Math.Ceiling(options.PublishRate)), now);
        _disconnectAfterTicks = (long)(options.DisconnectAfter.TotalSeconds * Stopwatch.Frequency);
    }

    public QuotaVerdict ChargeBytes(int count, long now) =>
        _bytes is null ? default : Verdict(_bytes.Take(count, now), now, QuotaEvent.BytesThrottled, ReasonCode.QuotaExceeded, "BytesPerSecond");

    public QuotaVerdict ChargePublish(long now) =>
        _publishes is null ? default : Verdict(_publishes.Take(1, now), now, QuotaEvent.PublishRateThrottled, ReasonCode.MessageRateTooHigh, "PublishRate");

    private QuotaVerdict Verdict(long pauseTicks, long now, QuotaEvent throttled, ReasonCode reasonCode, string setting)
    {
        if (pauseTicks == 0)
        {
            // A charge that fits means the client came back under its limit: a later excess starts a new streak.
            _overSince = 0;
            return default;
        }
        if (_overSince == 0)
            _overSince = now;
        bool disconnect = _disconnectAfterTicks > 0 && now - _overSince >= _disconnectAfterTicks;
        return new QuotaVerdict(pauseTicks, throttled, disconnect ? reasonCode : null, _section + ":" + setting);
    }
}
