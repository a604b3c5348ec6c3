namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// MQTT 5 request/response with python3-paho-mqtt (Debian's, /usr/bin/python3), through a script written once to a
/// temporary file. "responder" subscribes to the request topic, prints READY after SUBACK and answers each request on
/// its Response Topic with its Correlation Data and the payload "reply:" + request, printing
/// "ANSWERED|responseTopic|correlationHex"; "requester" subscribes to its response topic, then sends one request with
/// Response Topic and Correlation Data and prints "RESPONSE|topic|payload|correlationHex" when the answer arrives.
/// </summary>
public static class PahoRequestResponse
{
    private const string Script = """
        import sys, threading
        import paho.mqtt.client as mqtt
        from paho.mqtt.properties import Properties
        from paho.mqtt.packettypes import PacketTypes

        mode, port, client_id, request_topic = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
        response_topic = sys.argv[5] if len(sys.argv) > 5 else ""
        correlation = bytes.fromhex(sys.argv[6]) if len(sys.argv) > 6 else b""
        payload = sys.argv[7] if len(sys.argv) > 7 else ""
        done = threading.Event()

        def out(line):
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

        client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5)

        def on_connect(c, userdata, flags, rc, properties=None):
            out("CONNECTED %s" % rc)
            c.subscribe(request_topic if mode == "responder" else response_topic, 1)

        def on_subscribe(c, userdata, mid, granted, properties=None):
            out("READY")
            if mode == "requester":
                props = Properties(PacketTypes.PUBLISH)
                props.ResponseTopic = response_topic
                props.CorrelationData = correlation
                c.publish(request_topic, payload, 1, properties=props)

        def on_message(c, userdata, msg):
            props = msg.properties
            corr = getattr(props, "CorrelationData", b"") or b""
            if mode == "responder":
                answer = Properties(PacketTypes.PUBLISH)
                answer.CorrelationData = corr
                c.publish(props.ResponseTopic, "reply:" + msg.payload.decode("utf-8"), 1, properties=answer)
                out("ANSWERED|%s|%s" % (props.ResponseTopic, corr.hex()))
            else:
                out("RESPONSE|%s|%s|%s" % (msg.topic, msg.payload.decode("utf-8"), corr.hex()))
                done.set()

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        client.connect("127.0.0.1", port, keepalive=30)
        client.loop_start()
        ok = done.wait(20)
        client.disconnect()
        client.loop_stop()
        sys.exit(0 if ok else 3)
        """;

    private static readonly Lazy<string> ScriptPath = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"clusterbroker-paho-rr-{Environment.ProcessId}.py");
        File.WriteAllText(path, Script);
        return path;
    });

    /// <summary>Answers requests on <paramref name="requestTopic"/> until disposed (or 20 s).</summary>
    public static ExternalProcess Responder(int port, string requestTopic) =>
        ExternalProcess.Start("/usr/bin/python3", ScriptPath.Value, "responder", port.ToString(), Unique.ClientId("paho-responder"), requestTopic);

    /// <summary>Sends one request and exits once the response arrived (exit code 0) or after 20 s (3).</summary>
    public static ExternalProcess Requester(int port, string requestTopic, string responseTopic, byte[] correlationData, string payload) =>
        ExternalProcess.Start("/usr/bin/python3", ScriptPath.Value, "requester", port.ToString(), Unique.ClientId("paho-requester"), requestTopic,
            responseTopic, Convert.ToHexString(correlationData).ToLowerInvariant(), payload);
}
