using ClusterBroker.Core.Messages;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// The identities of the messages a session continued from the store had already when it continued (its pending
/// messages, and the QoS 2 messages its connections were given, <see cref="Core.Sessions.IQoS2DeliveryLog"/>), and of
/// those it got since: a crash replay or a journal replay that brings one of them again is not delivered a second time.
/// Kept for as long as replays can come (<see cref="CrashReplayActor.Keep"/>, and a minute more).
/// </summary>
internal sealed class ReplayedRepeats
{
    private static readonly TimeSpan Keep = CrashReplayActor.Keep + TimeSpan.FromMinutes(1);

    private readonly HashSet<ulong> _had;
    private readonly long _untilUnixMs;

    public ReplayedRepeats(IEnumerable<ulong> given, SessionSnapshot pending, long nowUnixMs)
    {
        _had = new HashSet<ulong>(given);
        foreach (InflightMessage sent in pending.Inflight)
        {
            _had.Add(sent.Delivery.Message.Id);
        }

        foreach (QueuedMessage queued in pending.Queued)
        {
            _had.Add(queued.Message.Id);
        }

        _had.Remove(0); // no identity (a retained copy): never taken for a repeat
        _untilUnixMs = nowUnixMs + (long)Keep.TotalMilliseconds;
    }

    public bool Expired(long nowUnixMs) => nowUnixMs >= _untilUnixMs;

    /// <summary>True when the session had this message already; otherwise it has it from now on.</summary>
    public bool IsRepeat(BrokerMessage message) => message.Id != 0 && !_had.Add(message.Id);
}
