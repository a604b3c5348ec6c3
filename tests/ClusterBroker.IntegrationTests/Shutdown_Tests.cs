using System.Diagnostics;

namespace ClusterBroker.IntegrationTests;

/// <summary>Stopping the broker: clients get DISCONNECT 0x8B (Server shutting down) where 5.0, then the socket closes.</summary>
public sealed class Shutdown_Tests
{
    /// <summary>How long a stop may take before the behaviour checks give up (its promptness has its own test).</summary>
    private static readonly TimeSpan StopUpperBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Stopping_the_broker_sends_DISCONNECT_0x8B_to_5_0_clients_and_closes_3_1_1_ones()
    {
        await using var own = await TestBroker.StartAsync();
        await using var v5 = await RawMqttConnection.ConnectAsync(own.Port, 5, Unique.ClientId());
        await using var v4 = await RawMqttConnection.ConnectAsync(own.Port, 4, Unique.ClientId());

        var stopping = own.Host.StopAsync();

        var toV5 = await v5.WaitForCloseAsync();
        var disconnect = Assert.Single(toV5);
        Assert.Equal((RawPacket.Disconnect, (byte)0x8B), (disconnect.Type, disconnect.DisconnectReason));
        Assert.Empty(await v4.WaitForCloseAsync());
        await stopping.WaitAsync(StopUpperBound);
    }

    [Fact]
    public async Task The_MQTTnet_client_sees_Server_shutting_down()
    {
        await using var own = await TestBroker.StartAsync();
        await using var client = await TestClient.ConnectAsync(own.Port);

        var stopping = own.Host.StopAsync();

        var disconnected = await client.Disconnected.WaitAsync(TestTimeouts.Default);
        Assert.Equal(MqttClientDisconnectReason.ServerShuttingDown, disconnected.Reason);
        await stopping.WaitAsync(StopUpperBound);
    }

    [Fact]
    public async Task StopAsync_is_idempotent_and_closes_every_connection()
    {
        // (whether the port is free afterwards is not asserted: a broker of a parallel test may get the same port)
        var own = await TestBroker.StartAsync();
        await using var raw = await RawMqttConnection.ConnectAsync(own.Port, 4, Unique.ClientId());

        await own.Host.StopAsync().WaitAsync(StopUpperBound);
        await own.Host.StopAsync().WaitAsync(StopUpperBound);
        await own.DisposeAsync();

        Assert.Empty(await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task StopAsync_with_connected_clients_completes_within_5_seconds()
    {
        await using var own = await TestBroker.StartAsync();
        await using var clean5 = await RawMqttConnection.ConnectAsync(own.Port, 5, Unique.ClientId());
        await using var clean4 = await RawMqttConnection.ConnectAsync(own.Port, 4, Unique.ClientId());
        await using var persistent = await RawMqttConnection.ConnectAsync(own.Port, 4, Unique.ClientId(), clean: false);
        var clock = Stopwatch.StartNew();

        await own.Host.StopAsync().WaitAsync(StopUpperBound);

        // nothing is in flight: a stop that waits much longer is waiting for a timeout, not for work
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5),
            $"StopAsync took {clock.Elapsed} with three idle clients; the broker logged:\n{string.Join('\n', own.Logs.Entries)}");
    }
}
