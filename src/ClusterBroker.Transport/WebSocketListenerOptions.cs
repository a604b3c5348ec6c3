namespace ClusterBroker.Transport;

/// <summary>MQTT over WebSocket listener (configuration section "Transport:WebSocket").</summary>
public sealed class WebSocketListenerOptions
{
    /// <summary>WebSocket (HTTP upgrade) port; 0 asks the system for a free port.</summary>
    public int Port { get; set; } = 8083;

    /// <summary>Request path clients connect to, e.g. ws://host:8083/mqtt. "/" accepts any path.</summary>
    public string Path { get; set; } = "/mqtt";

    /// <summary>Connections on this listener start with a PROXY protocol (v1 or v2) header naming the real client.</summary>
    public bool ProxyProtocol { get; set; }

    /// <summary>Connection, byte and publish limits of this listener (all off by default).</summary>
    public ListenerQuotaOptions Quotas { get; set; } = new();
}
