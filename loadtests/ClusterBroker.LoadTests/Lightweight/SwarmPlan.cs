using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Lightweight;

/// <summary>One process's share of a connect run: clients [FirstIndex, FirstIndex + Count).</summary>
public sealed record SwarmPlan(
    IReadOnlyList<BrokerEndpoint> Brokers,
    int FirstIndex,
    int Count,
    double ConnectRate,
    int Concurrency,
    double ConnectTimeoutSeconds,
    double HoldSeconds,
    bool SpreadSourceAddresses,
    string ClientIdPrefix,
    MqttProtocol Protocol,
    int KeepAliveSeconds,
    bool CleanStart,
    string? Username,
    string? Password);
