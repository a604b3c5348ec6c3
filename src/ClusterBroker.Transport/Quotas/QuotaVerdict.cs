using ClusterBroker.Core.Connections;
using ClusterBroker.Protocol;

namespace ClusterBroker.Transport.Quotas;

/// <summary>What a charge to a <see cref="ClientQuota"/> means: nothing (default), a pause of reads, or a disconnect.</summary>
/// <param name="PauseTicks">Stopwatch ticks the client's reads must pause; 0 when within the limit.</param>
/// <param name="Event">The throttle event to count when the pause starts.</param>
/// <param name="Disconnect">The DISCONNECT reason code (0x96/0x97) when the client has been over its limit too long.</param>
/// <param name="Rule">The setting that was exceeded, for the log line.</param>
internal readonly record struct QuotaVerdict(long PauseTicks, QuotaEvent Event, ReasonCode? Disconnect, string? Rule);
