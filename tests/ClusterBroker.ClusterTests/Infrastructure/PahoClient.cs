using System.Globalization;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// python3-paho-mqtt (Debian's, hence /usr/bin/python3) driven by a small script written once per
/// test run. "sub" prints READY after its SUBACK and "MSG|topic|qos|retain|payload" per message, and
/// ends after 60 s at the latest; "pub" publishes one message, prints PUBLISHED once its flow
/// completed and exits 0.
/// </summary>
public static class PahoClient
{
    private const string Script = """
        import sys, threading
        import paho.mqtt.client as mqtt

        mode, port, version, client_id, topic, qos = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
        if version == 5:
            client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5)
        else:
            client = mqtt.Client(client_id=client_id, clean_session=True, protocol=mqtt.MQTTv311)
        connected = threading.Event()

        def out(text):
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

        def on_connect(c, userdata, flags, rc, properties=None):
            out("CONNECTED %s" % rc)
            if mode == "sub":
                c.subscribe(topic, qos)
            connected.set()

        def on_subscribe(c, userdata, mid, granted, properties=None):
            out("READY")

        def on_message(c, userdata, msg):
            out("MSG|%s|%d|%d|%s" % (msg.topic, msg.qos, 1 if msg.retain else 0, msg.payload.decode("utf-8")))

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        client.connect("127.0.0.1", port, keepalive=30)
        client.loop_start()
        if not connected.wait(20):
            out("TIMEOUT connect")
            sys.exit(2)
        if mode == "pub":
            info = client.publish(topic, sys.argv[7], qos)
            info.wait_for_publish(20)
            if not info.is_published():
                out("TIMEOUT publish")
                sys.exit(3)
            out("PUBLISHED")
            client.disconnect()
            client.loop_stop()
            sys.exit(0)
        threading.Event().wait(60)
        client.disconnect()
        client.loop_stop()
        """;

    private static readonly Lazy<string> ScriptPath = new(() =>
    {
        string directory = Path.Combine(Path.GetTempPath(), $"clusterbroker-clustertests-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "paho_client.py");
        File.WriteAllText(path, Script);
        return path;
    });

    /// <summary><paramref name="version"/>: 4 (3.1.1) or 5.</summary>
    public static ExternalClient Subscribe(ClusterNode node, int version, string topic, int qos)
    {
        string clientId = Unique.ClientId("paho");
        return ExternalClient.Start($"paho subscriber {clientId}@{node.Name}", "/usr/bin/python3", ScriptPath.Value, "sub",
            node.MqttPort.ToString(CultureInfo.InvariantCulture), version.ToString(CultureInfo.InvariantCulture), clientId, topic, qos.ToString(CultureInfo.InvariantCulture));
    }

    public static Task<string> WaitUntilSubscribedAsync(ExternalClient subscriber) =>
        subscriber.WaitForLineAsync(line => line == "READY", "READY (its SUBACK)");

    /// <summary>Publishes one message and fails unless the flow completed.</summary>
    public static async Task PublishAsync(ClusterNode node, int version, string topic, int qos, string payload)
    {
        string clientId = Unique.ClientId("paho");
        await using ExternalClient publisher = ExternalClient.Start($"paho publisher {clientId}@{node.Name}", "/usr/bin/python3", ScriptPath.Value, "pub",
            node.MqttPort.ToString(CultureInfo.InvariantCulture), version.ToString(CultureInfo.InvariantCulture), clientId, topic, qos.ToString(CultureInfo.InvariantCulture), payload);
        await publisher.WaitForLineAsync(line => line == "PUBLISHED", "PUBLISHED");
        int exitCode = await publisher.WaitForExitAsync();
        Assert.True(exitCode == 0, $"{publisher} exited with {exitCode}: {publisher.Describe()}");
    }
}
