using ClusterBroker.Transport;
using MQTTnet;
using MQTTnet.Formatter;

namespace ClusterBroker.Host.Tests;

/// <summary>The in-process API integration tests use.</summary>
public class BrokerHost_Tests
{
    [Fact]
    public async Task A_host_on_port_zero_reports_its_real_port_and_serves_mqtt_clients()
    {
        BrokerHost host = await BrokerHost.StartAsync(new BrokerHostSettings
        {
            Transport = new TransportOptions { BindAddress = "127.0.0.1", Port = 0 },
        });
        try
        {
            Assert.NotEqual(0, host.Port);
            using IMqttClient client = new MqttClientFactory().CreateMqttClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            MqttClientConnectResult result = await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", host.Port)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithClientId("in-process")
                .Build(), cts.Token);
            Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
            await client.PingAsync(cts.Token);
            await client.DisconnectAsync(cancellationToken: cts.Token);
        }
        finally
        {
            await host.StopAsync();
            await host.StopAsync(); // idempotent
        }
    }

    [Fact]
    public async Task Stop_disconnects_v5_clients_with_server_shutting_down()
    {
        BrokerHost host = await BrokerHost.StartAsync(new BrokerHostSettings
        {
            Transport = new TransportOptions { BindAddress = "127.0.0.1", Port = 0 },
        });
        try
        {
            using IMqttClient client = new MqttClientFactory().CreateMqttClient();
            var disconnected = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += e =>
            {
                disconnected.TrySetResult(e);
                return Task.CompletedTask;
            };
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", host.Port)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithClientId("stopped")
                .Build(), cts.Token);

            await host.StopAsync();
            Task winner = await Task.WhenAny(disconnected.Task, Task.Delay(TimeSpan.FromSeconds(20)));
            Assert.True(winner == disconnected.Task, "the client was not disconnected");
            Assert.Equal(MqttClientDisconnectReason.ServerShuttingDown, (await disconnected.Task).Reason);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Invalid_settings_are_refused_before_anything_starts()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => BrokerHost.StartAsync(new BrokerHostSettings
        {
            Transport = new TransportOptions { Port = -1 },
        }));
        Assert.Contains("Transport:Port", ex.Message);
    }
}
