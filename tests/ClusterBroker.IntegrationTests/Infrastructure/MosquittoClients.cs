namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// mosquitto_pub and mosquitto_sub (Debian mosquitto-clients). The subscriber runs with -d so the
/// test can wait for its SUBACK, and prints each message as "topic|qos|retain|payload"; it runs
/// under stdbuf -oL so that each line reaches the test as it is printed.
/// </summary>
public static class MosquittoClients
{
    /// <summary>"mqttv31", "mqttv311" or "mqttv5"; <paramref name="credentials"/> become -u and -P.</summary>
    public static ExternalProcess Subscribe(int port, string version, string topic, int qos, int count = 1, (string User, string Password)? credentials = null) =>
        // stdbuf: mosquitto_sub block-buffers stdout into a pipe, so lines would only appear at exit
        ExternalProcess.Start("stdbuf", ["-oL", "mosquitto_sub",
            "-h", "127.0.0.1", "-p", port.ToString(), "-V", version, "-i", Unique.ClientId("msub"),
            "-t", topic, "-q", qos.ToString(), "-C", count.ToString(), "-W", "20", "-d", "-F", "%t|%q|%r|%p", .. Credentials(credentials)]);

    private static string[] Credentials((string User, string Password)? credentials) =>
        credentials is { } c ? ["-u", c.User, "-P", c.Password] : [];

    public static Task<string> WaitUntilSubscribedAsync(ExternalProcess subscriber) =>
        subscriber.WaitForLineAsync(line => line.Contains("received SUBACK", StringComparison.Ordinal), "mosquitto_sub's SUBACK");

    /// <param name="extra">More arguments, e.g. ["-D", "connect", "maximum-packet-size", "20"].</param>
    public static ExternalProcess Publish(int port, string version, string topic, int qos, string payload, bool retain = false, (string User, string Password)? credentials = null, IEnumerable<string>? extra = null)
    {
        var arguments = new List<string>
        {
            "-h", "127.0.0.1", "-p", port.ToString(), "-V", version, "-i", Unique.ClientId("mpub"),
            "-t", topic, "-q", qos.ToString(), "-m", payload,
        };
        if (retain)
        {
            arguments.Add("-r");
        }
        arguments.AddRange(Credentials(credentials));
        arguments.AddRange(extra ?? []);
        return ExternalProcess.Start("mosquitto_pub", [.. arguments]);
    }

    /// <summary>Runs mosquitto_pub to completion and asserts it succeeded.</summary>
    public static async Task PublishAsync(int port, string version, string topic, int qos, string payload, bool retain = false, (string User, string Password)? credentials = null, IEnumerable<string>? extra = null)
    {
        await using var publisher = Publish(port, version, topic, qos, payload, retain, credentials, extra);
        var exitCode = await publisher.WaitForExitAsync();
        Assert.True(exitCode == 0, $"mosquitto_pub exited with {exitCode}: {publisher.Describe()}");
    }
}
