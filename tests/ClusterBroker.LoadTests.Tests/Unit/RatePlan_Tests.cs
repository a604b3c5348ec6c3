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
}
