using ClusterBroker.LoadTests.Brokers;
using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Tests.Brokers;

/// <summary>
/// A real broker process on a free loopback port for one test class: started (and awaited until it
/// answers CONNECT) before the first test, its whole process tree killed after the last one, whether
/// the tests passed or not.
/// </summary>
public abstract class BrokerProcess : IAsyncLifetime
{
    private RunningBroker? _broker;

    public abstract BrokerSpec Spec { get; }

    /// <summary>Whether the broker supports $share subscriptions (the shared smoke test expects either way honestly).</summary>
    public virtual bool SupportsSharedSubscriptions => true;

    /// <summary>Null when the broker should be started; otherwise why its tests are skipped.</summary>
    public virtual string? NotStartedBecause => null;

    public BrokerEndpoint Endpoint => Running.Endpoint;

    public int Pid => Running.Pid;

    public string Label => Spec.Label;

    private RunningBroker Running => _broker ?? throw new InvalidOperationException($"{Spec.Label} is not running: {NotStartedBecause}");

    public async Task InitializeAsync()
    {
        if (NotStartedBecause is null)
        {
            using var timeout = new CancellationTokenSource(BrokerLauncher.ReadyTimeout + TimeSpan.FromSeconds(15));
            _broker = await BrokerLauncher.StartAsync(Spec, timeout.Token);
        }
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
