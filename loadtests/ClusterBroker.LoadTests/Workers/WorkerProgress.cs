using ClusterBroker.LoadTests.Lightweight;

namespace ClusterBroker.LoadTests.Workers;

public readonly record struct WorkerProgress(long Attempted, long Connected, long Failed, long Dropped, SwarmPhase Phase);
