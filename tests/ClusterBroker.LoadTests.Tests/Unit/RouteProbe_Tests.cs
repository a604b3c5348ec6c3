using ClusterBroker.LoadTests.Measurement;
using ClusterBroker.LoadTests.Messages;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Tests.Unit;

public sealed class RouteProbe_Tests
{
    [Fact]
    public void Probing_ends_when_every_receiver_had_a_probe_from_each_publisher_it_must_hear()
    {
        // receiver 0 hears only publisher 1; receiver 1 hears both
        var probe = new RouteProbe([ReceiverExpectation.Publisher(1), ReceiverExpectation.AllPublishers], 2);
        Assert.Equal(3, probe.Streams);

        probe.Observe(0, 0); // not expected there: ignored
        probe.Observe(1, 1);
        probe.Observe(1, 1); // again: counted once
        Assert.Equal(2, probe.Pending);
        Assert.True(probe.IsPending(0));
        Assert.True(probe.IsPending(1));

        probe.Observe(0, 1);
        Assert.False(probe.IsPending(1));
        probe.Observe(1, 0);
        Assert.Equal(0, probe.Pending);
    }

    [Fact]
    public void A_probe_payload_is_never_read_as_a_counted_message()
    {
        var payload = MessageStamp.Probe(7, 3, 12345).ToPayload(64);

        Assert.True(MessageStamp.TryReadProbe(payload, out var publisher));
        Assert.Equal(7, publisher);
        Assert.False(MessageStamp.TryRead(payload, out _));
        Assert.False(MessageStamp.TryReadProbe(new MessageStamp(7, 0, 12345).ToPayload(64), out _));
    }
}
