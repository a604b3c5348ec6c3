namespace ClusterBroker.LoadTests.Lightweight;

public enum ConnectFailure
{
    None,
    Refused,
    Timeout,
    Rejected,
    ClosedByBroker,
    AddressInUse,
    TooManyOpenFiles,
    Other,
}
