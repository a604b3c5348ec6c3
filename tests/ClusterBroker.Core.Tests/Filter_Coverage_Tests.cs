using ClusterBroker.Core.Security;

namespace ClusterBroker.Core.Tests;

public class Filter_Coverage_Tests
{
    [Theory]
    [InlineData("#", "a/b", true)]
    [InlineData("#", "#", true)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/+/c", true)]
    [InlineData("a/#", "b/#", false)]
    [InlineData("a/+", "a/b", true)]
    [InlineData("a/+", "a/+", true)]
    [InlineData("a/+", "a/#", false)]
    [InlineData("a/+", "a", false)]
    [InlineData("a/+", "a/b/c", false)]
    [InlineData("a/b", "a/+", false)]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/b", "a/b/", false)]
    [InlineData("a/", "a/", true)]
    [InlineData("+/+", "a/", true)]
    [InlineData("#", "$SYS/#", false)]
    [InlineData("+/#", "$SYS/x", false)]
    [InlineData("$SYS/#", "$SYS/broker/+", true)]
    public void A_filter_covers_another_when_it_matches_every_topic_the_other_can(string outer, string inner, bool covers)
    {
        Assert.Equal(covers, FilterCoverage.Covers(outer, inner));
    }
}
