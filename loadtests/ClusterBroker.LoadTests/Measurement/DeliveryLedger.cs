namespace ClusterBroker.LoadTests.Measurement;

/// <summary>
/// One SequenceTracker per (receiver, publisher) stream the topology expects. Receivers are subscribers,
/// or one entry for a whole shared-subscription group so that a message reaching two members counts as
/// a duplicate. Thread-safe: subscribers report from their own receive loops.
/// </summary>
public sealed class DeliveryLedger
{
    private readonly ReceiverExpectation[] _expectations;
    private readonly SequenceTracker[][] _streams;
    private readonly int _publisherCount;
    private long _uniqueTotal;
    private long _misrouted;
    private long _foreign;

    public DeliveryLedger(IReadOnlyList<ReceiverExpectation> receivers, int publisherCount)
    {
        _publisherCount = publisherCount;
        _expectations = [.. receivers];
        _streams = new SequenceTracker[_expectations.Length][];
        for (var r = 0; r < _expectations.Length; r++)
        {
            var size = _expectations[r].OnlyPublisher is null ? publisherCount : 1;
            _streams[r] = new SequenceTracker[size];
            for (var i = 0; i < size; i++)
            {
                _streams[r][i] = new SequenceTracker();
            }
        }
    }

    public int ReceiverCount => _expectations.Length;

    public long UniqueTotal => Interlocked.Read(ref _uniqueTotal);

    public DeliveryOutcome Observe(int receiver, int publisherId, long sequence)
    {
        var expectation = _expectations[receiver];
        if ((uint)publisherId >= (uint)_publisherCount || !expectation.Expects(publisherId) || sequence > SequenceTracker.MaxSequence)
        {
            Interlocked.Increment(ref _misrouted);
            return DeliveryOutcome.Misrouted;
        }

        var tracker = _streams[receiver][expectation.OnlyPublisher is null ? publisherId : 0];
        if (!tracker.Observe(sequence))
        {
            return DeliveryOutcome.Duplicate;
        }

        Interlocked.Increment(ref _uniqueTotal);
        return DeliveryOutcome.New;
    }

    /// <summary>A payload without our stamp: someone else's traffic on the topic.</summary>
    public void ObserveForeign() => Interlocked.Increment(ref _foreign);

    /// <summary>How many deliveries the receivers should get, given what each publisher actually sent.</summary>
    public long ExpectedDeliveries(IReadOnlyList<long> sentPerPublisher)
    {
        long expected = 0;
        foreach (var expectation in _expectations)
        {
            if (expectation.OnlyPublisher is { } only)
            {
                expected += sentPerPublisher[only];
                continue;
            }

            foreach (var sent in sentPerPublisher)
            {
                expected += sent;
            }
        }

        return expected;
    }

    public DeliveryTotals Totals(IReadOnlyList<long> sentPerPublisher)
    {
        long expected = 0, unique = 0, lost = 0, duplicates = 0, outOfOrder = 0;
        for (var r = 0; r < _expectations.Length; r++)
        {
            for (var i = 0; i < _streams[r].Length; i++)
            {
                var publisher = _expectations[r].OnlyPublisher ?? i;
                var tracker = _streams[r][i];
                var sent = sentPerPublisher[publisher];
                expected += sent;
                unique += tracker.Unique;
                lost += Math.Max(0, sent - tracker.Unique);
                duplicates += tracker.Duplicates;
                outOfOrder += tracker.OutOfOrder;
            }
        }

        return new DeliveryTotals(expected, unique, lost, duplicates, outOfOrder, Interlocked.Read(ref _misrouted), Interlocked.Read(ref _foreign));
    }
}
