namespace ClusterBroker.LoadTests.Lightweight;

public enum SwarmPhase
{
    Connecting,
    Holding,
    Closing,
    Done,
}
