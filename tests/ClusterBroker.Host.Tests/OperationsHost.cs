using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ClusterBroker.Transport;
using MQTTnet;
using MQTTnet.Formatter;

namespace ClusterBroker.Host.Tests;

/// <summary>An in-process broker with its HTTP endpoints on free loopback ports, and an HTTP client for them.</summary>
internal sealed class OperationsHost : IAsyncDisposable
{
    public const string Token = "test-admin-token";

    private OperationsHost(BrokerHost host)
    {
        Host = host;
        Http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public BrokerHost Host { get; }

    public HttpClient Http { get; }

    public static async Task<OperationsHost> StartAsync(string adminToken = Token, TimeSpan? drainPeriod = null, string serverReference = "")
    {
        BrokerHost host = await BrokerHost.StartAsync(new BrokerHostSettings
        {
            Transport = new TransportOptions { BindAddress = "127.0.0.1", Port = 0 },
            Http = new HttpOptions { BindAddress = "127.0.0.1", Port = 0, AdminToken = adminToken },
            Drain = new DrainOptions { Period = drainPeriod ?? TimeSpan.Zero, ServerReference = serverReference },
        });
        return new OperationsHost(host);
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? token = Token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using HttpResponseMessage response = await Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        JsonElement body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, body);
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, string? token = Token) => SendAsync(HttpMethod.Get, path, token);

    /// <summary>GET /metrics parsed: "name{labels}" -> value.</summary>
    public async Task<Dictionary<string, double>> ScrapeAsync()
    {
        using HttpResponseMessage response = await Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        return ParseMetrics(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Prometheus text format: one "name{labels} value" per line, # lines are HELP/TYPE.</summary>
    public static Dictionary<string, double> ParseMetrics(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            int space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return samples;
    }

    public async Task<IMqttClient> ConnectAsync(string clientId, uint sessionExpiry = 0, Action<MqttClientDisconnectedEventArgs>? onDisconnected = null)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        if (onDisconnected is not null)
        {
            client.DisconnectedAsync += e =>
            {
                onDisconnected(e);
                return Task.CompletedTask;
            };
        }
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Host.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithSessionExpiryInterval(sessionExpiry)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build());
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.StopAsync();
    }
}
