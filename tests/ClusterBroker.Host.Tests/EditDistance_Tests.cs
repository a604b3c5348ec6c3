namespace ClusterBroker.Host.Tests;

/// <summary>The distance behind "Did you mean ...?".</summary>
public class EditDistance_Tests
{
    [Theory]
    [InlineData("port", "port", 0)]
    [InlineData("prot", "port", 1)]
    [InlineData("PORT", "port", 0)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "bind", 4)]
    public void Distance_counts_inserts_deletes_replacements_and_swaps_as_one_edit_each(string a, string b, int expected)
    {
        Assert.Equal(expected, EditDistance.Between(a, b));
        Assert.Equal(expected, EditDistance.Between(b, a));
    }

    [Fact]
    public void The_closest_candidate_wins_and_nothing_is_suggested_when_all_are_far()
    {
        string[] candidates = ["bind", "port", "ws-port"];
        Assert.Equal("port", EditDistance.Closest("prot", candidates));
        Assert.Equal("ws-port", EditDistance.Closest("ws-prot", candidates));
        Assert.Null(EditDistance.Closest("xyz", candidates));
    }
}
