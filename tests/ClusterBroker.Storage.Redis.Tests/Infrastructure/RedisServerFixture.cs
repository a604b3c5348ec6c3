namespace ClusterBroker.Storage.Redis.Tests.Infrastructure;

/// <summary>One redis-server per test class (IClassFixture); tests keep apart with their own key prefix (<see cref="Unique.Prefix"/>).</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public RedisServer Server => _server ?? throw new InvalidOperationException("redis-server not started");

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
