namespace ClusterBroker.LoadTests.Lightweight;

/// <summary>The outcome of one CONNECT/CONNACK exchange: an open connection, or why there is none.</summary>
public sealed record RawConnectResult(RawConnection? Connection, ConnectFailure Failure, byte ReturnCode, long LatencyTicks);
