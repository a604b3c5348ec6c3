using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Routing.Sharing;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Tests;

/// <summary>The pure logic of each shared-subscription strategy, and the member choice of a group on one node.</summary>
public class Shared_Strategy_Tests
{
    private static readonly string[] Names = ["a", "b", "c", "d"];

    private static BrokerMessage Message(string topic = "t", string? publisher = "p") => new() { Topic = topic, PublisherId = publisher };

    private static ISharedStrategy Strategy(string name) =>
        SharedStrategies.TryGet(name, out ISharedStrategy s) ? s : throw new ArgumentException(name);

    [Fact]
    public void Round_robin_gives_each_candidate_its_turn()
    {
        var state = new SharedChoiceState("g/t");
        int[] picks = [.. Enumerable.Range(0, 8).Select(_ => Strategy("round_robin").Choose(Names, Message(), -1, ChoiceLevel.Member, state))];
        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3], picks);
    }

    [Fact]
    public void Random_stays_in_range_and_reaches_every_candidate()
    {
        var state = new SharedChoiceState("g/t");
        int[] picks = [.. Enumerable.Range(0, 400).Select(_ => Strategy("random").Choose(Names, Message(), -1, ChoiceLevel.Member, state))];
        Assert.All(picks, p => Assert.InRange(p, 0, 3));
        Assert.Equal(4, picks.Distinct().Count());
    }

    [Theory]
    [InlineData("hash_clientid")]
    [InlineData("hash_topic")]
    public void A_hash_strategy_gives_the_same_key_the_same_candidate_and_spreads_keys(string name)
    {
        ISharedStrategy strategy = Strategy(name);
        var counts = new int[Names.Length];
        for (int k = 0; k < 400; k++)
        {
            BrokerMessage message = name == "hash_topic" ? Message(topic: $"t/{k}", publisher: "same") : Message(publisher: $"client-{k}");
            int first = strategy.Choose(Names, message, -1, ChoiceLevel.Member, new SharedChoiceState("g/t"));
            for (int repeat = 0; repeat < 3; repeat++)
            {
                // a fresh state: another node, or the same node later, makes the same choice
                Assert.Equal(first, strategy.Choose(Names, message, -1, ChoiceLevel.Member, new SharedChoiceState("g/t")));
            }

            counts[first]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 60, 140)); // 100 expected per candidate
    }

    [Fact]
    public void Hash_client_id_ignores_the_topic_and_hash_topic_ignores_the_publisher()
    {
        var state = new SharedChoiceState("g/t");
        int byClient = Strategy("hash_clientid").Choose(Names, Message("x/1", "c1"), -1, ChoiceLevel.Member, state);
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(byClient, Strategy("hash_clientid").Choose(Names, Message($"x/{i}", "c1"), -1, ChoiceLevel.Member, state)));
        int byTopic = Strategy("hash_topic").Choose(Names, Message("x/1", "c1"), -1, ChoiceLevel.Member, state);
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(byTopic, Strategy("hash_topic").Choose(Names, Message("x/1", $"c{i}"), -1, ChoiceLevel.Member, state)));
    }

    [Fact]
    public void Node_and_member_levels_hash_independently_so_every_member_of_every_node_gets_publishers()
    {
        // 3 nodes of 3 members: with one hash for both levels only the diagonal (member i of node i) would be used.
        ISharedStrategy strategy = Strategy("hash_clientid");
        string[] nodes = ["n1", "n2", "n3"];
        string[] members = ["m1", "m2", "m3"];
        var used = new HashSet<(int, int)>();
        for (int k = 0; k < 300; k++)
        {
            BrokerMessage message = Message(publisher: $"client-{k}");
            int node = strategy.Choose(nodes, message, -1, ChoiceLevel.Node, new SharedChoiceState("g/t"));
            int member = strategy.Choose(members, message, -1, ChoiceLevel.Member, new SharedChoiceState("g/t"));
            used.Add((node, member));
        }

        Assert.Equal(9, used.Count);
    }

    [Fact]
    public void Sticky_keeps_its_candidate_until_it_is_gone_and_every_node_makes_the_same_first_choice()
    {
        ISharedStrategy sticky = Strategy("sticky");
        var state = new SharedChoiceState("g/t");
        int first = sticky.Choose(Names, Message(publisher: "x"), -1, ChoiceLevel.Member, state);
        Assert.Equal(first, sticky.Choose(Names, Message(publisher: "y"), -1, ChoiceLevel.Member, new SharedChoiceState("g/t")));
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(first, sticky.Choose(Names, Message(topic: $"t/{i}", publisher: $"p{i}"), -1, ChoiceLevel.Member, state)));

        // a new candidate does not take the group away
        string[] grown = [.. Names, "e"];
        Assert.Equal(Names[first], grown[sticky.Choose(grown, Message(), -1, ChoiceLevel.Member, state)]);

        // the chosen one leaves: another is chosen and kept
        string[] without = [.. Names.Where((_, i) => i != first)];
        int second = sticky.Choose(without, Message(), -1, ChoiceLevel.Member, state);
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(second, sticky.Choose(without, Message(), -1, ChoiceLevel.Member, state)));
    }

    [Fact]
    public void Sticky_spreads_different_groups_over_the_candidates()
    {
        ISharedStrategy sticky = Strategy("sticky");
        var chosen = Enumerable.Range(0, 100).Select(g => sticky.Choose(Names, Message(), -1, ChoiceLevel.Node, new SharedChoiceState($"g{g}/t"))).ToHashSet();
        Assert.Equal(4, chosen.Count);
    }

    [Fact]
    public void Local_prefers_the_local_candidate_and_else_takes_turns()
    {
        ISharedStrategy local = Strategy("local");
        var state = new SharedChoiceState("g/t");
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(2, local.Choose(Names, Message(), 2, ChoiceLevel.Node, state)));
        int[] picks = [.. Enumerable.Range(0, 4).Select(_ => local.Choose(Names, Message(), -1, ChoiceLevel.Node, state))];
        Assert.Equal([0, 1, 2, 3], picks.Order());
    }

    [Theory]
    [InlineData("round_robin")]
    [InlineData("random")]
    [InlineData("sticky")]
    [InlineData("hash_clientid")]
    [InlineData("hash_topic")]
    [InlineData("local")]
    public void A_group_chooses_only_online_members_other_than_the_excluded_one(string name)
    {
        var router = new NodeRouter(new InProcessSessionRegistry(new BrokerOptions(), new FakeTimeProvider())) { SharedStrategy = Strategy(name) };
        var group = new SharedGroup("g", "t", Strategy(name));
        var endpoints = new List<SessionEndpoint>();
        foreach (string id in new[] { "m3", "m1", "m4", "m2" })
        {
            SessionEndpoint e = router.GetOrAddEndpoint(id);
            group.AddOrUpdate(e, new Subscription("$share/g/t", QualityOfService.AtLeastOnce));
            endpoints.Add(e);
        }

        Assert.False(group.TryChoose(Message(), null, out _)); // nobody online
        Assert.True(group.TryChooseOffline(null, out _));
        endpoints[0].SetOnline(new NullTarget()); // m3
        var m4 = new NullTarget();
        endpoints[2].SetOnline(m4);
        for (int i = 0; i < 50; i++)
        {
            Assert.True(group.TryChoose(Message(topic: $"t/{i}", publisher: $"p{i}"), null, out SharedMember m));
            Assert.Contains(m.Endpoint.ClientId, new[] { "m3", "m4" });
            Assert.True(group.TryChoose(Message(topic: $"t/{i}", publisher: $"p{i}"), endpoints[0], out m));
            Assert.Equal("m4", m.Endpoint.ClientId);
        }

        endpoints[2].SetOffline(m4);
        Assert.False(group.TryChoose(Message(), endpoints[0], out _)); // the only online member is the excluded one
    }

    [Fact]
    public void Unknown_strategy_names_are_refused_by_validation()
    {
        var options = new BrokerOptions { SharedSubscriptionStrategy = "fastest" };
        string error = Assert.Single(options.GetValidationErrors());
        Assert.Contains("round_robin, random, sticky, hash_clientid, hash_topic, local", error);
        Assert.Contains("'fastest'", error);
        Assert.Empty(new BrokerOptions { SharedSubscriptionStrategy = "Hash_ClientId" }.GetValidationErrors());
    }

    private sealed class NullTarget : IDeliveryTarget
    {
        public bool TryDeliver(in Delivery delivery) => true;
    }
}
