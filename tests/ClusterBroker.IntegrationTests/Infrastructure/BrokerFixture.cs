using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// One broker shared by the tests of a class (IClassFixture); tests isolate themselves with unique
/// client ids and topics (<see cref="Unique"/>). Classes needing special limits derive from it and
/// override <see cref="CreateOptions"/>, or start their own <see cref="TestBroker"/>.
/// </summary>
public class BrokerFixture : IAsyncLifetime
{
    private TestBroker? _broker;

    public TestBroker Broker => _broker ?? throw new InvalidOperationException("broker not started");

    public int Port => Broker.Port;

    protected virtual BrokerOptions CreateOptions() => new();

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync(CreateOptions());

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
