using System.Diagnostics;
using ClusterBroker.Core.Connections;
using ClusterBroker.Transport.Internal;
using DotNetty.Transport.Channels;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Transport.Quotas;

/// <summary>
/// The quotas of one listener: admits or closes each accepted connection (<see cref="ListenerGate"/>) and makes each
/// admitted connection's <see cref="ClientQuota"/>. Refusals are counted one by one but logged at most every
/// <see cref="s_logInterval"/> (a flood must not flood the log too), with the number refused since the last line.
/// </summary>
internal sealed class ListenerQuotas
{
    private static readonly long s_logInterval = 10 * Stopwatch.Frequency;

    private readonly ListenerQuotaOptions _options;
    private readonly ListenerGate? _gate;
    private readonly IQuotaMeter? _meter;
    private readonly ILogger _logger;
    private long _nextLog;
    private long _refusedSinceLog;

    public ListenerQuotas(ListenerQuotaOptions options, string section, IQuotaMeter? meter, ILogger logger)
    {
        _options = options;
        Section = section;
        _meter = meter;
        _logger = logger;
        if (options.LimitsConnections)
            _gate = new ListenerGate(options, Stopwatch.GetTimestamp());
    }

    /// <summary>The listener's quota section, e.g. "Transport:Tls:Quotas".</summary>
    public string Section { get; }

    public bool LimitsClients => _options.LimitsClients;

    public bool LimitsBytes => _options.BytesPerSecond > 0;

    public IQuotaMeter? Meter => _meter;

    /// <summary>A new client's allowances, or null when the listener sets none.</summary>
    public ClientQuota? ForNewClient() => _options.LimitsClients ? new ClientQuota(_options, Section, Stopwatch.GetTimestamp()) : null;

    /// <summary>False when the new connection must be closed at once (logged and counted here); true when admitted.</summary>
    public bool Admit(IChannel channel)
    {
        if (_gate is null)
            return true;
        long now = Stopwatch.GetTimestamp();
        if (_gate.TryAdmit(now) is not { } refusal)
        {
            channel.CloseCompletion.ContinueWith(static (_, g) => ((ListenerGate)g!).Release(), _gate, TaskScheduler.Default);
            return true;
        }
        _meter?.Count(refusal.Event);
        long refused = Interlocked.Increment(ref _refusedSinceLog);
        long next = Volatile.Read(ref _nextLog);
        if (now >= next && Interlocked.CompareExchange(ref _nextLog, now + s_logInterval, next) == next)
        {
            Interlocked.Add(ref _refusedSinceLog, -refused);
            _logger.LogWarning("Connection from {RemoteEndPoint} closed: {Reason} ({Setting}); {Refused} refused since the last such line",
                ChannelAttributes.Format(channel.RemoteAddress), refusal.Reason, Section, refused);
        }
        return false;
    }
}
