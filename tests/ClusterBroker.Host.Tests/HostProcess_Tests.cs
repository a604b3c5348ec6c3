using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace ClusterBroker.Host.Tests;

/// <summary>The executable: start-up line, options, and a clean stop on SIGTERM.</summary>
public class HostProcess_Tests
{
    private const int SigTerm = 15;
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sigterm_sends_v5_clients_disconnect_0x8B_and_the_process_exits_0()
    {
        int port = HostProcess.FreePort();
        using HostProcess host = HostProcess.Start("--port", port.ToString(), "--bind", "127.0.0.1");
        string line = await host.WaitForListeningAsync(s_startTimeout);
        Assert.Contains($"mqtt://127.0.0.1:{port}", line);
        Assert.Equal(1, CountListeningLines(host.Output));

        using IMqttClient v5 = new MqttClientFactory().CreateMqttClient();
        var disconnected = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        v5.DisconnectedAsync += e =>
        {
            disconnected.TrySetResult(e);
            return Task.CompletedTask;
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        MqttClientConnectResult connected = await v5.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("sigterm-v5")
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build(), cts.Token);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);

        using IMqttClient v311 = new MqttClientFactory().CreateMqttClient();
        var v311Disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        v311.DisconnectedAsync += _ =>
        {
            v311Disconnected.TrySetResult();
            return Task.CompletedTask;
        };
        await v311.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId("sigterm-v311")
            .Build(), cts.Token);

        host.Signal(SigTerm);

        Task winner = await Task.WhenAny(disconnected.Task, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.True(winner == disconnected.Task, "the v5 client was not disconnected. Output:\n" + host.Output);
        MqttClientDisconnectedEventArgs e = await disconnected.Task;
        Assert.Equal(MqttClientDisconnectReason.ServerShuttingDown, e.Reason);
        winner = await Task.WhenAny(v311Disconnected.Task, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.True(winner == v311Disconnected.Task, "the 3.1.1 client was not disconnected");

        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Environment_and_command_line_options_are_validated_with_a_clear_message()
    {
        using HostProcess host = HostProcess.Start("--port", "99999", "--log-level", "Loud");
        int exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, exitCode);
        Assert.Contains("Transport:Port must be between 0 and 65535", host.Output);
        Assert.Contains("Log level 'Loud'", host.Output);
    }

    [Fact]
    public async Task A_broken_ACL_file_stops_the_start_naming_its_lines_and_a_missing_one_is_a_configuration_error()
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("cb-badacl-");
        try
        {
            string acl = Path.Combine(directory.FullName, "acl");
            File.WriteAllText(acl, "topic read ok/#\ntopic raed typo/#\n");
            using (HostProcess host = HostProcess.Start("--port", "0", "--bind", "127.0.0.1", "--acl-file", acl))
            {
                Assert.NotEqual(0, await host.WaitForExitAsync(s_startTimeout));
                Assert.Contains("line 2: unknown access 'raed'", host.Output);
            }

            using (HostProcess missing = HostProcess.Start("--port", "0", "--acl-file", Path.Combine(directory.FullName, "nope")))
            {
                Assert.Equal(2, await missing.WaitForExitAsync(s_startTimeout));
                Assert.Contains("Security:AclFile", missing.Output);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SIGHUP_reloads_the_ACL_for_connected_clients()
    {
        const int SigHup = 1;
        DirectoryInfo directory = Directory.CreateTempSubdirectory("cb-sighup-");
        try
        {
            string acl = Path.Combine(directory.FullName, "acl");
            File.WriteAllText(acl, "topic read open/#\n");
            int port = HostProcess.FreePort();
            using HostProcess host = HostProcess.Start("--port", port.ToString(), "--bind", "127.0.0.1", "--acl-file", acl, "--Security:ReloadCheckInterval", "00:00:00");
            await host.WaitForListeningAsync(s_startTimeout);

            using IMqttClient client = new MqttClientFactory().CreateMqttClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500).Build(), cts.Token);
            Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, (await client.SubscribeAsync("closed/x", cancellationToken: cts.Token)).Items.Single().ResultCode);

            File.WriteAllText(acl, "topic read open/#\ntopic read closed/#\n");
            host.Signal(SigHup);
            while (!host.Output.Contains("ACL file " + acl + " reloaded", StringComparison.Ordinal))
            {
                if (cts.IsCancellationRequested)
                    Assert.Fail("the ACL was not reloaded after SIGHUP. Output:\n" + host.Output);
                await Task.Delay(50);
            }

            Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, (await client.SubscribeAsync("closed/x", cancellationToken: cts.Token)).Items.Single().ResultCode);
            Assert.True(client.IsConnected);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_shared_subscription_strategy_stops_the_start_with_exit_code_2_naming_the_valid_ones()
    {
        using HostProcess host = HostProcess.Start("--shared-strategy", "fastest", "--port", "0", "--http-port", "0");
        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("SharedSubscriptionStrategy must be one of round_robin, random, sticky, hash_clientid, hash_topic, local (was 'fastest')", host.Output);
    }

    [Fact]
    public async Task A_misspelt_option_stops_the_start_with_exit_code_2_naming_the_option_it_meant()
    {
        using HostProcess host = HostProcess.Start("--prot", "1884");
        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("unknown option '--prot'. Did you mean '--port'?", host.Output);
    }

    [Fact]
    public async Task A_port_already_in_use_fails_the_start_with_exit_code_1()
    {
        using var blocker = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((System.Net.IPEndPoint)blocker.LocalEndpoint).Port;
        using HostProcess host = HostProcess.Start("--port", port.ToString(), "--bind", "127.0.0.1");
        Assert.Equal(1, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("ClusterBroker failed", host.Output);
    }

    [Fact]
    public async Task Log_format_json_writes_one_JSON_object_per_line_and_an_unknown_format_is_refused()
    {
        int port = HostProcess.FreePort();
        using (HostProcess host = HostProcess.Start("--port", port.ToString(), "--bind", "127.0.0.1", "--log-format", "json", "--drain-period", "00:00:00"))
        {
            await host.WaitForListeningAsync(s_startTimeout);
            host.Signal(SigTerm);
            Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            string[] lines = host.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.NotEmpty(lines);
            foreach (string line in lines)
            {
                using var entry = System.Text.Json.JsonDocument.Parse(line);
                Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), line);
                Assert.True(entry.RootElement.TryGetProperty("Message", out _), line);
            }
            Assert.Contains(lines, l => l.Contains("\"Listeners\":\"mqtt://127.0.0.1:" + port, StringComparison.Ordinal));
        }

        using HostProcess refused = HostProcess.Start("--log-format", "xml");
        Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Host:LogFormat (--log-format) must be simple or json", refused.Output);
    }

    [Fact]
    public async Task A_drain_asked_through_the_admin_API_ends_with_the_process_exiting_0()
    {
        int port = HostProcess.FreePort();
        int httpPort = HostProcess.FreePort();
        using HostProcess host = HostProcess.Start(
            "--port", port.ToString(), "--bind", "127.0.0.1", "--http-port", httpPort.ToString(), "--http-bind", "127.0.0.1",
            "--Http:AdminToken", "process-token", "--drain-period", "00:00:01");
        await host.WaitForListeningAsync(s_startTimeout);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{httpPort}/api/v1/drain");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "process-token");
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Draining: not ready, listeners closed", host.Output);
    }

    private static int CountListeningLines(string output) =>
        output.Split('\n').Count(l => l.Contains(" listening on ", StringComparison.Ordinal));
}
