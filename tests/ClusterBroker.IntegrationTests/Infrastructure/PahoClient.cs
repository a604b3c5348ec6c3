namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// Runs python3-paho-mqtt (Debian's, so /usr/bin/python3) through a small script written once to a
/// temporary file. "sub" prints "GRANTED codes" and READY after SUBACK and one "MSG|topic|qos|retain|payload"
/// line per message; "pub" prints PUBLISHED once the publish flow completed; both print "CONNECTED rc".
/// </summary>
public static class PahoClient
{
    private const string Script = """
        import sys, threading
        import paho.mqtt.client as mqtt

        mode, port, version, client_id, topic, qos = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
        v5 = version == "5"
        proto = mqtt.MQTTv5 if v5 else mqtt.MQTTv311
        transport = sys.argv[9] if len(sys.argv) > 9 else "tcp"
        ws_path = sys.argv[10] if len(sys.argv) > 10 else "/mqtt"
        if v5:
            client = mqtt.Client(client_id=client_id, protocol=proto, transport=transport)
        else:
            client = mqtt.Client(client_id=client_id, clean_session=True, protocol=proto, transport=transport)
        if transport == "websockets":
            client.ws_set_options(path=ws_path)
        if len(sys.argv) > 11:
            client.username_pw_set(sys.argv[11], sys.argv[12] if len(sys.argv) > 12 else None)
        done = threading.Event()
        connected = threading.Event()
        state = {"left": int(sys.argv[8]) if mode == "sub" and len(sys.argv) > 8 else 1}

        def out(line):
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

        def on_connect(c, userdata, flags, rc, properties=None):
            out("CONNECTED %s" % rc)
            connected.set()
            if mode == "sub":
                c.subscribe(topic, qos)

        def on_subscribe(c, userdata, mid, granted, properties=None):
            out("GRANTED %s" % ",".join(str(getattr(g, "value", g)) for g in granted))
            out("READY")

        def on_message(c, userdata, msg):
            out("MSG|%s|%d|%d|%s" % (msg.topic, msg.qos, 1 if msg.retain else 0, msg.payload.decode("utf-8")))
            state["left"] -= 1
            if state["left"] <= 0:
                done.set()

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        client.connect("127.0.0.1", port, keepalive=30)
        client.loop_start()
        if not connected.wait(15):
            out("TIMEOUT connect")
            sys.exit(2)
        if mode == "pub":
            retain = sys.argv[8] == "1"
            info = client.publish(topic, sys.argv[7], qos, retain)
            info.wait_for_publish()
            out("PUBLISHED")
            client.disconnect()
            client.loop_stop()
            sys.exit(0)
        ok = done.wait(20)
        client.disconnect()
        client.loop_stop()
        sys.exit(0 if ok else 3)
        """;

    private static readonly Lazy<string> ScriptPath = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"clusterbroker-paho-{Environment.ProcessId}.py");
        File.WriteAllText(path, Script);
        return path;
    });

    /// <summary>Starts a subscriber that exits after <paramref name="count"/> messages.</summary>
    /// <param name="webSocketPath">When set, connects with MQTT over WebSocket on that path instead of TCP.</param>
    /// <param name="credentials">User name and password to connect with, when set.</param>
    public static ExternalProcess Subscribe(int port, int version, string topic, int qos, int count = 1, string? webSocketPath = null, (string User, string Password)? credentials = null) =>
        ExternalProcess.Start("/usr/bin/python3", [ScriptPath.Value, "sub", port.ToString(), version.ToString(), Unique.ClientId("paho"), topic, qos.ToString(), "", count.ToString(),
            webSocketPath is null ? "tcp" : "websockets", webSocketPath ?? "/", .. Credentials(credentials)]);

    public static ExternalProcess Publish(int port, int version, string topic, int qos, string payload, bool retain = false, string? webSocketPath = null, (string User, string Password)? credentials = null) =>
        ExternalProcess.Start("/usr/bin/python3", [ScriptPath.Value, "pub", port.ToString(), version.ToString(), Unique.ClientId("paho"), topic, qos.ToString(), payload, retain ? "1" : "0",
            webSocketPath is null ? "tcp" : "websockets", webSocketPath ?? "/", .. Credentials(credentials)]);

    private static string[] Credentials((string User, string Password)? credentials) =>
        credentials is { } c ? [c.User, c.Password] : [];
}
