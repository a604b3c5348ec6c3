namespace ClusterBroker.ClusterTests;

/// <summary>
/// Publish/subscribe across the nodes of one cluster: a message published on one node reaches the
/// matching subscribers of every node, once each, with the MQTT semantics of a single broker.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class CrossNode_PubSub_Tests(SharedClusterFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public Task A_message_published_on_node_1_reaches_subscribers_on_every_node_once_at_the_lower_of_both_QoS(int qos) => Cluster.VerifyAsync(async () =>
    {
        string topic = $"{Unique.Topic()}/t";
        await using MqttTestClient onNode1 = await MqttTestClient.ConnectAsync(Cluster[1]);
        await using MqttTestClient onNode2 = await MqttTestClient.ConnectAsync(Cluster[2]);
        await using MqttTestClient onNode3 = await MqttTestClient.ConnectAsync(Cluster[3], version: MqttProtocolVersion.V311);
        await onNode1.SubscribeAsync(topic, Q.Q2);
        await onNode2.SubscribeAsync(topic, Q.Q1);
        await onNode3.SubscribeAsync(topic, Q.Q2);
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[1]);
        await RoutePropagation.AwaitAsync(publisher, topic, onNode1, onNode2, onNode3);

        await publisher.PublishAsync(topic, "hello-cluster", Q.Of(qos));
        await Fence.PassAsync(publisher, topic, onNode1, onNode2, onNode3);

        foreach ((MqttTestClient subscriber, int granted) in new[] { (onNode1, 2), (onNode2, 1), (onNode3, 2) })
        {
            ReceivedMessage message = Assert.Single(subscriber.ApplicationMessages);
            Assert.Equal(("hello-cluster", Math.Min(qos, granted), false), (message.Payload, message.Qos, message.Retain));
        }
    });

    [Fact]
    public Task A_5_0_publisher_whose_only_subscriber_is_on_another_node_is_acknowledged_Success_not_No_matching_subscribers() => Cluster.VerifyAsync(async () =>
    {
        string topic = $"{Unique.Topic()}/remote-only";
        await using MqttTestClient subscriber = await MqttTestClient.ConnectAsync(Cluster[2]);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[1]);
        await RoutePropagation.AwaitAsync(publisher, topic, subscriber);

        using var cts = new CancellationTokenSource(Timeouts.Mqtt);
        MqttClientPublishResult forwarded = await publisher.Client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("to-node-2").WithQualityOfServiceLevel(Q.Q1).Build(), cts.Token);
        MqttClientPublishResult unmatched = await publisher.Client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic($"{topic}/nobody").WithPayload("x").WithQualityOfServiceLevel(Q.Q1).Build(), cts.Token);

        Assert.Equal(MqttClientPublishReasonCode.Success, forwarded.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, unmatched.ReasonCode);
        await Fence.PassAsync(publisher, topic, subscriber);
        Assert.Contains(subscriber.ApplicationMessages, m => m.Payload == "to-node-2");
    });

    [Fact]
    public Task Single_level_and_multi_level_wildcards_on_other_nodes_match_like_on_one_broker() => Cluster.VerifyAsync(async () =>
    {
        string root = Unique.Topic();
        await using MqttTestClient plus = await MqttTestClient.ConnectAsync(Cluster[2]);
        await using MqttTestClient hash = await MqttTestClient.ConnectAsync(Cluster[3]);
        await using MqttTestClient local = await MqttTestClient.ConnectAsync(Cluster[1]);
        await plus.SubscribeAsync($"{root}/+/c", Q.Q1);
        await hash.SubscribeAsync($"{root}/#", Q.Q1);
        await local.SubscribeAsync($"{root}/a/#", Q.Q1);
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[1]);
        await RoutePropagation.AwaitAsync(publisher, $"{root}/a/c", plus, hash, local);

        string[] topics = [$"{root}/a/c", $"{root}/b/c", $"{root}/a/b/c", $"{root}/a", root, $"{root}/b/c/d", $"{root}x/a/c"];
        foreach (string topic in topics)
        {
            await publisher.PublishAsync(topic, topic, Q.Q1);
        }
        await Fence.PassAsync(publisher, $"{root}/a/c", plus, hash, local);

        Assert.Equal(new[] { $"{root}/a/c", $"{root}/b/c" }.Order(), plus.ApplicationMessages.Select(m => m.Topic).Order());
        Assert.Equal(new[] { $"{root}/a/c", $"{root}/b/c", $"{root}/a/b/c", $"{root}/a", root, $"{root}/b/c/d" }.Order(), hash.ApplicationMessages.Select(m => m.Topic).Order());
        Assert.Equal(new[] { $"{root}/a/c", $"{root}/a/b/c", $"{root}/a" }.Order(), local.ApplicationMessages.Select(m => m.Topic).Order());
    });

    [Fact]
    public Task A_client_with_overlapping_subscriptions_on_another_node_gets_one_copy_at_the_highest_QoS_with_both_subscription_identifiers() => Cluster.VerifyAsync(async () =>
    {
        string root = Unique.Topic();
        await using MqttTestClient subscriber = await MqttTestClient.ConnectAsync(Cluster[2]);
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"{root}/#", Q.Q1).WithSubscriptionIdentifier(1).Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"{root}/+/c", Q.Q2).WithSubscriptionIdentifier(2).Build());
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[1]);
        await RoutePropagation.AwaitAsync(publisher, $"{root}/probe/c", subscriber);

        await publisher.PublishAsync($"{root}/x/c", "both-filters", Q.Q2);
        await publisher.PublishAsync($"{root}/x/d", "hash-only", Q.Q2);
        await Fence.PassAsync(publisher, $"{root}/fence", subscriber);

        ReceivedMessage both = Assert.Single(subscriber.ApplicationMessages, m => m.Payload == "both-filters");
        Assert.Equal(2, both.Qos);
        Assert.Equal([1u, 2u], both.SubscriptionIdentifiers.Order());
        ReceivedMessage hashOnly = Assert.Single(subscriber.ApplicationMessages, m => m.Payload == "hash-only");
        Assert.Equal(1, hashOnly.Qos);
        Assert.Equal([1u], hashOnly.SubscriptionIdentifiers);
        Assert.Equal(2, subscriber.ApplicationMessages.Count);
    });

    [Fact]
    public Task No_Local_keeps_a_clients_own_messages_from_it_while_other_nodes_and_other_publishers_are_served() => Cluster.VerifyAsync(async () =>
    {
        string root = Unique.Topic();
        string topic = $"{root}/t";
        await using MqttTestClient noLocal = await MqttTestClient.ConnectAsync(Cluster[2]);
        await noLocal.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(topic).WithQualityOfServiceLevel(Q.Q1).WithNoLocal(true).Build()).Build());
        await noLocal.SubscribeAsync($"{root}/fence", Q.Q1);
        await using MqttTestClient onNode3 = await MqttTestClient.ConnectAsync(Cluster[3]);
        await onNode3.SubscribeAsync(topic, Q.Q1);
        await using MqttTestClient onNode1 = await MqttTestClient.ConnectAsync(Cluster[1]);
        await RoutePropagation.AwaitAsync(onNode1, topic, noLocal, onNode3);
        await RoutePropagation.AwaitAsync(noLocal, topic, onNode3);

        await noLocal.PublishAsync(topic, "own-message", Q.Q1);
        await Fence.PassAsync(noLocal, $"{root}/fence", noLocal); // its own copy would have come first
        await onNode3.Messages.WaitForAsync(m => m.Payload == "own-message", "the message of the No Local client on node 3");
        await onNode1.PublishAsync(topic, "from-node-1", Q.Q1);
        await Fence.PassAsync(onNode1, topic, noLocal, onNode3);

        Assert.Equal(["from-node-1"], noLocal.ApplicationMessages.Select(m => m.Payload));
        Assert.Equal(["own-message", "from-node-1"], onNode3.ApplicationMessages.Select(m => m.Payload));
    });

    [Fact]
    public Task Retain_As_Published_keeps_the_retain_flag_of_a_message_forwarded_from_another_node() => Cluster.VerifyAsync(async () =>
    {
        string topic = $"{Unique.Topic()}/r";
        await using MqttTestClient asPublished = await MqttTestClient.ConnectAsync(Cluster[2]);
        await asPublished.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(topic).WithQualityOfServiceLevel(Q.Q1).WithRetainAsPublished(true).Build()).Build());
        await using MqttTestClient plain = await MqttTestClient.ConnectAsync(Cluster[3]);
        await plain.SubscribeAsync(topic, Q.Q1);
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[1]);
        await RoutePropagation.AwaitAsync(publisher, topic, asPublished, plain);

        try
        {
            await publisher.PublishAsync(topic, "retained-live", Q.Q1, retain: true);
            await Fence.PassAsync(publisher, topic, asPublished, plain);

            ReceivedMessage kept = Assert.Single(asPublished.ApplicationMessages);
            Assert.Equal(("retained-live", true), (kept.Payload, kept.Retain));
            ReceivedMessage cleared = Assert.Single(plain.ApplicationMessages);
            Assert.Equal(("retained-live", false), (cleared.Payload, cleared.Retain));
        }
        finally
        {
            await publisher.PublishAsync(topic, [], Q.Q1, retain: true); // no retained message left behind
        }
    });

    [Fact]
    public Task Filters_starting_with_a_wildcard_on_another_node_do_not_match_dollar_topics_MQTT_4_7_2_1() => Cluster.VerifyAsync(async () =>
    {
        // Clients may not publish to '$' topics (issue 11: 5.0 gets PUBACK 0x87), so the $-topics here are the nodes' own
        // $SYS publications: node 1's reach node 2 through the route of node 2's explicit subscriber.
        string id = Unique.Id();
        string marker = $"ct-{id}/x";
        await using MqttTestClient wildcards = await MqttTestClient.ConnectAsync(Cluster[2]);
        await wildcards.SubscribeAsync("#", Q.Q1);
        await wildcards.SubscribeAsync("+/x", Q.Q1);
        await using MqttTestClient explicitDollar = await MqttTestClient.ConnectAsync(Cluster[2]);
        await explicitDollar.SubscribeAsync("$SYS/broker/clients/connected", Q.Q0);
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[1]);
        await RoutePropagation.AwaitAsync(publisher, marker, wildcards);

        var refused = await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() => publisher.PublishAsync($"$ct-{id}/x", "dollar", Q.Q1));
        Assert.Contains("NotAuthorized", refused.Message);

        // $SYS is published every second on each node: wait for two fresh ones, then fence the wildcard subscriber
        int sysSeen = explicitDollar.Messages.Snapshot().Count(m => m.Topic.StartsWith("$SYS/", StringComparison.Ordinal));
        await explicitDollar.Messages.WaitUntilAsync(list => list.Count(m => m.Topic.StartsWith("$SYS/", StringComparison.Ordinal)) > sysSeen + 1, "fresh $SYS publications at node 2");
        await Fence.PassAsync(publisher, marker, wildcards);

        Assert.DoesNotContain(wildcards.Messages.Snapshot(), m => m.Topic.StartsWith('$'));
    });
}
