using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Tests.Unit;

public sealed class RatePlan_Tests
{
    [Fact]
    public void A_fixed_rate_is_due_one_message_per_interval()
    {
        var plan = new RatePlan(100, 0, 0);

        Assert.Equal(1, plan.DueAt(0));
        Assert.Equal(101, plan.DueAt(1));
        Assert.Equal(1001, plan.DueAt(10));
    }

    [Fact]
    public void A_ramp_sends_half_as_many_during_the_ramp_then_the_full_rate()
    {
        var plan = new RatePlan(100, 10, 0);

        Assert.Equal(126, plan.DueAt(5));
        Assert.Equal(501, plan.DueAt(10));
        Assert.Equal(601, plan.DueAt(11));
    }

    [Fact]
    public void Unpaced_is_bounded_only_by_the_count()
    {
        Assert.Equal(long.MaxValue, new RatePlan(0, 0, 0).DueAt(1));
        Assert.Equal(500, new RatePlan(0, 0, 500).DueAt(1));
        Assert.Equal(50, new RatePlan(1000, 0, 50).DueAt(10));
    }

    [Theory]
    [InlineData(10, 0)]
    [InlineData(100, 4)]
    public void Each_message_falls_due_exactly_at_its_due_time(double rate, double ramp)
    {
        var plan = new RatePlan(rate, ramp, 0);

        foreach (var sequence in new long[] { 1, 2, 7, 150, 199, 200, 201, 1000 })
        {
            var at = plan.DueTime(sequence);
            Assert.True(plan.DueAt(at + 1e-9) > sequence, $"message {sequence} not due at {at}");
            Assert.True(plan.DueAt(at - 1e-6) <= sequence, $"message {sequence} due before {at}");
        }
    }
}
