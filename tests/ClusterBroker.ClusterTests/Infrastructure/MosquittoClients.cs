using System.Globalization;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// mosquitto_sub and mosquitto_pub (Debian mosquitto-clients). The subscriber prints every message as
/// "topic|qos|retain|payload" and, with -d, its SUBACK; stdbuf -oL makes each line reach the test as
/// it is printed. It ends by itself after 60 s at the latest (-W), and is killed on dispose.
/// </summary>
public static class MosquittoClients
{
    /// <summary><paramref name="version"/>: "mqttv311" or "mqttv5".</summary>
    public static ExternalClient Subscribe(ClusterNode node, string version, string topic, int qos)
    {
        string clientId = Unique.ClientId("msub");
        return ExternalClient.Start($"mosquitto_sub {clientId}@{node.Name}", "stdbuf", "-oL", "mosquitto_sub",
            "-h", "127.0.0.1", "-p", node.MqttPort.ToString(CultureInfo.InvariantCulture), "-V", version, "-i", clientId,
            "-t", topic, "-q", qos.ToString(CultureInfo.InvariantCulture), "-W", "60", "-d", "-F", "%t|%q|%r|%p");
    }

    public static Task<string> WaitUntilSubscribedAsync(ExternalClient subscriber) =>
        subscriber.WaitForLineAsync(line => line.Contains("received SUBACK", StringComparison.Ordinal), "its SUBACK");

    /// <summary>Runs mosquitto_pub to completion and fails unless it succeeded.</summary>
    public static async Task PublishAsync(ClusterNode node, string version, string topic, int qos, string payload)
    {
        string clientId = Unique.ClientId("mpub");
        await using ExternalClient publisher = ExternalClient.Start($"mosquitto_pub {clientId}@{node.Name}", "mosquitto_pub",
            "-h", "127.0.0.1", "-p", node.MqttPort.ToString(CultureInfo.InvariantCulture), "-V", version, "-i", clientId,
            "-t", topic, "-q", qos.ToString(CultureInfo.InvariantCulture), "-m", payload);
        int exitCode = await publisher.WaitForExitAsync();
        Assert.True(exitCode == 0, $"{publisher} exited with {exitCode}: {publisher.Describe()}");
    }
}
