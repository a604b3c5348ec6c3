namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>Run-wide message counters, updated by publishers and subscribers concurrently.</summary>
public sealed class FlowCounters
{
    private long _sent;
    private long _sentMeasured;
    private long _publishFailures;
    private long _received;
    private long _deliveredMeasured;

    public long Sent => Interlocked.Read(ref _sent);
    public long SentMeasured => Interlocked.Read(ref _sentMeasured);
    public long PublishFailures => Interlocked.Read(ref _publishFailures);
    public long Received => Interlocked.Read(ref _received);
    public long DeliveredMeasured => Interlocked.Read(ref _deliveredMeasured);

    public void AddSent(bool measured)
    {
        Interlocked.Increment(ref _sent);
        if (measured)
        {
            Interlocked.Increment(ref _sentMeasured);
        }
    }

    public void AddPublishFailure() => Interlocked.Increment(ref _publishFailures);

    public void AddReceived() => Interlocked.Increment(ref _received);

    public void AddDeliveredMeasured() => Interlocked.Increment(ref _deliveredMeasured);
}
