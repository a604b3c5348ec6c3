namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>Cumulative counters a scenario exposes to the once-a-second sampler.</summary>
public readonly record struct SamplerReading(string Phase, bool WarmUp, long Connections, long Failed, long Sent, long Received);
