using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Lightweight;

/// <summary>What the lightweight client puts in its CONNECT packet.</summary>
public sealed record ConnectSettings(
    string ClientId,
    MqttProtocol Protocol,
    int KeepAliveSeconds,
    bool CleanStart,
    string? Username,
    string? Password);
