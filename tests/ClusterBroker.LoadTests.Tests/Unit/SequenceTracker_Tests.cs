using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Tests.Unit;

public sealed class SequenceTracker_Tests
{
    [Fact]
    public void Counts_each_sequence_number_once_and_a_repeat_as_a_duplicate()
    {
        var tracker = new SequenceTracker();

        Assert.True(tracker.Observe(0));
        Assert.True(tracker.Observe(1));
        Assert.False(tracker.Observe(1));
        Assert.False(tracker.Observe(0));

        Assert.Equal(2, tracker.Unique);
        Assert.Equal(2, tracker.Duplicates);
        Assert.Equal(0, tracker.OutOfOrder);
    }

    [Fact]
    public void Counts_a_number_below_the_highest_seen_as_out_of_order()
    {
        var tracker = new SequenceTracker();

        foreach (var sequence in new long[] { 0, 2, 1, 3, 5, 4 })
        {
            tracker.Observe(sequence);
        }

        Assert.Equal(6, tracker.Unique);
        Assert.Equal(2, tracker.OutOfOrder);
    }

    [Fact]
    public void Grows_to_large_sequence_numbers()
    {
        var tracker = new SequenceTracker();

        tracker.Observe(5_000_000);
        tracker.Observe(5_000_000);

        Assert.Equal(1, tracker.Unique);
        Assert.Equal(1, tracker.Duplicates);
    }
}
