namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// How a publisher loop paces and sends. <paramref name="Stagger"/> (fixed rate only): publisher i of P starts i/P of
/// one message interval late and sleeps until each message is due, so P publishers together send evenly spread
/// rather than all at the same instants.
/// </summary>
public sealed record PublisherLoopSettings(RatePlan Plan, int Qos, int PayloadBytes, int Inflight, bool Retain, bool Stagger = false);
