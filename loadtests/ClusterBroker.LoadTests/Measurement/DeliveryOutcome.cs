namespace ClusterBroker.LoadTests.Measurement;

public enum DeliveryOutcome
{
    New,
    Duplicate,
    Misrouted,
}
