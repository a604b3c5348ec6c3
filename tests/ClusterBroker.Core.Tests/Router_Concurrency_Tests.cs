using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Topics;

namespace ClusterBroker.Core.Tests;

public class Router_Concurrency_Tests
{
    [Fact]
    public async Task Concurrent_publishes_and_subscription_changes_neither_throw_nor_lose_stable_subscribers()
    {
        var broker = new TestBroker();
        NodeRouter router = broker.Context.Router;
        var stable = new CountingTarget();
        SessionEndpoint stableEndpoint = router.GetOrAddEndpoint("stable");
        stableEndpoint.SetOnline(stable);
        router.Subscribe(stableEndpoint, new Subscription("s/+", QualityOfService.AtMostOnce), null, 0);

        using var stop = new CancellationTokenSource();
        Task churn = Task.Run(() =>
        {
            int i = 0;
            while (!stop.IsCancellationRequested)
            {
                SessionEndpoint e = router.GetOrAddEndpoint("c" + (i % 50));
                string filter = "s/" + (i % 7);
                router.Subscribe(e, new Subscription(filter, QualityOfService.AtMostOnce), null, 0);
                router.Subscribe(e, new Subscription("$share/g/" + filter, QualityOfService.AtMostOnce), SharedSubscriptionFilter.Parse("$share/g/" + filter, out var s).IsValid ? s : null, 0);
                router.Unsubscribe(e, filter);
                i++;
            }
        });

        const int perThread = 2000;
        Task[] publishers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < perThread; i++)
            {
                router.Publish(new BrokerMessage { Topic = "s/" + (i % 7), Payload = new byte[] { 1 } });
            }
        })).ToArray();
        await Task.WhenAll(publishers).WaitAsync(TimeSpan.FromSeconds(30));
        stop.Cancel();
        await churn.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4 * perThread, stable.Count);
    }

    private sealed class CountingTarget : IDeliveryTarget
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public bool TryDeliver(in Delivery delivery)
        {
            Interlocked.Increment(ref _count);
            return true;
        }
    }
}
