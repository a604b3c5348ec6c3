namespace ClusterBroker.LoadTests.Configuration;

/// <summary>Whether --rate is per publisher or shared by all publishers.</summary>
public enum RateScope
{
    PerPublisher,
    Total,
}
