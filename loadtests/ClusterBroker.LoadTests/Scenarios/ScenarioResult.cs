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

    /// <summary>Per broker endpoint (same order as the "brokers" setting): publishers and subscribers connected to it.</summary>
    public IReadOnlyList<int> PublishersPerBroker { get; init; } = [];
    public IReadOnlyList<int> SubscribersPerBroker { get; init; } = [];

    /// <summary>Per broker endpoint: unique deliveries counted at the subscribers connected to it (whole run, probes excluded).</summary>
    public IReadOnlyList<long> DeliveriesPerBroker { get; init; } = [];

    /// <summary>Per broker endpoint: probe messages received by the subscribers connected to it (route wait).</summary>
    public IReadOnlyList<long> ProbeDeliveriesPerBroker { get; init; } = [];

    /// <summary>Probe messages published before the run (route wait), and how long until every receiver had one.</summary>
    public long ProbesSent { get; init; }
    public double RouteWaitSeconds { get; init; }

    public ConnectFigures? Connect { get; init; }
    public RetainedFigures? Retained { get; init; }

    public double RunnerCpuPercent { get; init; }
    public double BrokerCpuPercent { get; init; }
    public long BrokerPeakRssBytes { get; init; }
    public IReadOnlyList<TimelinePoint> Timeline { get; init; } = [];
}
