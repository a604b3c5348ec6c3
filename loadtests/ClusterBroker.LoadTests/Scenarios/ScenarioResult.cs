using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>Everything a run measured; serialised as result.json and rendered by the reports.</summary>
public sealed record ScenarioResult
{
    public required string Scenario { get; init; }
    public required string Broker { get; init; }
    public required IReadOnlyDictionary<string, string> Settings { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public double ElapsedSeconds { get; init; }

    /// <summary>Why figures are missing or must be read with care (unsupported feature, run error).</summary>
    public string? Note { get; init; }
    public bool Failed { get; init; }

    /// <summary>The broker does not offer what the scenario needs (e.g. shared subscriptions): no figures, and not a failure.</summary>
    public bool Unsupported { get; init; }

    public int Publishers { get; init; }
    public int Subscribers { get; init; }
    public long Sent { get; init; }
    public long PublishFailures { get; init; }
    public DeliveryTotals Delivery { get; init; } = DeliveryTotals.Empty;
    public double MeasuredSeconds { get; init; }
    public double SendRate { get; init; }

    /// <summary>Deliveries per second of the messages sent inside the measurement window.</summary>
    public double ReceiveRate { get; init; }
    public LatencySummary Latency { get; init; } = LatencySummary.Empty;
    public IReadOnlyList<long> DeliveriesPerMember { get; init; } = [];

    public ConnectFigures? Connect { get; init; }
    public RetainedFigures? Retained { get; init; }

    public double RunnerCpuPercent { get; init; }
    public double BrokerCpuPercent { get; init; }
    public long BrokerPeakRssBytes { get; init; }
    public IReadOnlyList<TimelinePoint> Timeline { get; init; } = [];
}
