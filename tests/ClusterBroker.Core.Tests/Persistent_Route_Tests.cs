using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Tests;

/// <summary>
/// The router announces a filter's persistent marker (<see cref="RouteKey.Persistent"/>) while at least one persistent
/// session here subscribes to it, so a publisher elsewhere journals only what reaches a persistent session; and it says
/// whether a local publish reaches one.
/// </summary>
public sealed class Persistent_Route_Tests
{
    [Fact]
    public void The_marker_follows_the_first_and_last_persistent_subscriber_and_a_change_of_persistence()
    {
        var observer = new RecordingObserver();
        var router = new NodeRouter(new InProcessSessionRegistry(new BrokerOptions(), new FakeTimeProvider())) { RouteObserver = observer };
        SessionEndpoint clean = router.GetOrAddEndpoint("clean");
        SessionEndpoint durable1 = router.GetOrAddEndpoint("durable1");
        durable1.Persistent = true;
        SessionEndpoint durable2 = router.GetOrAddEndpoint("durable2");
        durable2.Persistent = true;

        router.Subscribe(clean, new Subscription("a/+", QualityOfService.AtLeastOnce), null, 0);
        Assert.Equal(["+a/+"], observer.Changes);

        router.Subscribe(durable1, new Subscription("a/+", QualityOfService.AtLeastOnce), null, 0);
        router.Subscribe(durable2, new Subscription("a/+", QualityOfService.AtLeastOnce), null, 0);
        router.Subscribe(durable2, new Subscription("a/+", QualityOfService.ExactlyOnce), null, 0); // replaced, not counted twice
        Assert.Equal(["+a/+", "+a/+ (persistent)"], observer.Changes);
        Assert.Contains(RouteKey.Persistent("a/+"), router.GetRoutes());
        Assert.False(RouteKey.Persistent("a/+").IsShared);

        router.Unsubscribe(durable1, "a/+");
        Assert.Equal(2, observer.Changes.Count); // durable2 still subscribes
        durable2.Persistent = false; // e.g. a 5.0 DISCONNECT that set the Session Expiry Interval to 0
        Assert.Equal("-a/+ (persistent)", observer.Changes[^1]);
        durable2.Persistent = true;
        Assert.Equal("+a/+ (persistent)", observer.Changes[^1]);
        router.RemoveEndpoint(durable2);
        Assert.Equal("-a/+ (persistent)", observer.Changes[^1]);
        Assert.DoesNotContain(RouteKey.Persistent("a/+"), router.GetRoutes());
    }

    [Fact]
    public void A_publish_reaches_a_persistent_session_only_when_one_matches()
    {
        var router = new NodeRouter(new InProcessSessionRegistry(new BrokerOptions(), new FakeTimeProvider()));
        SessionEndpoint clean = router.GetOrAddEndpoint("clean");
        SessionEndpoint durable = router.GetOrAddEndpoint("durable");
        durable.Persistent = true;
        router.Subscribe(clean, new Subscription("a/#", QualityOfService.AtLeastOnce), null, 0);
        router.Subscribe(durable, new Subscription("a/b", QualityOfService.AtLeastOnce), null, 0);

        router.Publish(new BrokerMessage { Topic = "a/c", QoS = QualityOfService.AtLeastOnce }, out bool toClean);
        router.Publish(new BrokerMessage { Topic = "a/b", QoS = QualityOfService.AtLeastOnce }, out bool toDurable);

        Assert.False(toClean);
        Assert.True(toDurable);
    }

    private sealed class RecordingObserver : IRouteObserver
    {
        public List<string> Changes { get; } = new();

        public void RouteAdded(RouteKey route) => Changes.Add("+" + route);

        public void RouteRemoved(RouteKey route) => Changes.Add("-" + route);
    }
}
