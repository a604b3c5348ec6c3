namespace ClusterBroker.LoadTests.Configuration;

/// <summary>Everything one scenario run needs; bound from the command line or built by code (compare, tests).</summary>
public sealed record RunSettings
{
    public IReadOnlyList<BrokerEndpoint> Brokers { get; init; } = [new("127.0.0.1", 1883)];

    /// <summary>p2p: publisher and subscriber of each pair on different endpoints; null = when more than one is given.</summary>
    public bool? CrossNode { get; init; }
    public string Label { get; init; } = "broker";
    public MqttProtocol Protocol { get; init; } = MqttProtocol.V311;
    public int Qos { get; init; } = 1;
    public int PayloadBytes { get; init; } = 64;
    public int KeepAliveSeconds { get; init; } = 60;

    /// <summary>When above 0, topics are padded (one extra level of 'x' under the run's prefix) to about this many characters.</summary>
    public int TopicLength { get; init; }

    /// <summary>MQTT 5: the Topic Alias Maximum every client announces, so the broker may send it topic aliases; 0 = none.</summary>
    public ushort TopicAliasMaximum { get; init; }
    public bool CleanStart { get; init; } = true;
    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>The scenario's N: connections (connect), subscribers (fan-out, retained), pairs (p2p), publishers (fan-in, shared).</summary>
    public int Clients { get; init; } = 100;
    public int? Publishers { get; init; }
    public int? Subscribers { get; init; }
    public bool Wildcard { get; init; }
    public int RetainedMessages { get; init; } = 1000;
    public int SlowSubscriberDelayMs { get; init; }

    /// <summary>Messages per second; 0 means as fast as flow control (bounded inflight) allows.</summary>
    public double Rate { get; init; }
    public RateScope RateScope { get; init; } = RateScope.PerPublisher;
    public double RampSeconds { get; init; }

    /// <summary>Fixed rate: spread the publishers' sends evenly over each message interval instead of all at once.</summary>
    public bool Stagger { get; init; }
    public int Inflight { get; init; } = 64;
    public double WarmupSeconds { get; init; } = 2;
    public double DurationSeconds { get; init; } = 10;
    public long MaxMessagesPerPublisher { get; init; }
    public double DrainSeconds { get; init; } = 5;

    /// <summary>
    /// Before publishing, each publisher sends probe messages until every receiver it must reach has one
    /// (routes propagate asynchronously in a cluster); bounded by this many seconds. 0 = no probes.
    /// </summary>
    public double RouteWaitSeconds { get; init; } = 30;

    public double ConnectRate { get; init; } = 1000;
    public int ConnectConcurrency { get; init; } = 256;
    public double ConnectTimeoutSeconds { get; init; } = 10;
    public int ClientsPerWorker { get; init; } = 15000;
    public bool SpreadSourceAddresses { get; init; } = true;
    public int SocketBufferBytes { get; init; } = 256 * 1024;

    public IReadOnlyList<int> BrokerPids { get; init; } = [];
    public string? ReportDirectory { get; init; }
    public bool Live { get; init; } = true;

    /// <summary>Hard bound on a whole run, whatever the phases add up to.</summary>
    public double MaxRunSeconds { get; init; } = 600;

    public double RatePerPublisher(int publishers) =>
        RateScope == RateScope.Total && publishers > 0 ? Rate / publishers : Rate;
}
