namespace ClusterBroker.LoadTests.Measurement;

/// <summary>Which publishers one receiver (a subscriber, or a whole shared group) must hear: all, or exactly one.</summary>
public readonly record struct ReceiverExpectation(int? OnlyPublisher)
{
    public static ReceiverExpectation AllPublishers => new(null);

    public static ReceiverExpectation Publisher(int publisherId) => new(publisherId);

    public bool Expects(int publisherId) => OnlyPublisher is null || OnlyPublisher == publisherId;
}
