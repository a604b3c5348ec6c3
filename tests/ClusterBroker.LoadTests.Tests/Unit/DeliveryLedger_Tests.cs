using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Tests.Unit;

public sealed class DeliveryLedger_Tests
{
    [Fact]
    public void Loss_is_what_each_receiver_did_not_get_of_what_each_publisher_sent()
    {
        var ledger = new DeliveryLedger([ReceiverExpectation.AllPublishers, ReceiverExpectation.AllPublishers], publisherCount: 2);
        for (var seq = 0; seq < 10; seq++)
        {
            ledger.Observe(0, 0, seq);
            ledger.Observe(0, 1, seq);
            if (seq % 2 == 0)
            {
                ledger.Observe(1, 0, seq);
            }
        }

        var totals = ledger.Totals([10, 10]);

        Assert.Equal(40, totals.Expected);
        Assert.Equal(25, totals.Unique);
        Assert.Equal(15, totals.Lost);
        Assert.Equal(0, totals.Duplicates);
    }

    [Fact]
    public void A_message_reaching_two_members_of_a_shared_group_is_a_duplicate()
    {
        var group = new DeliveryLedger([ReceiverExpectation.AllPublishers], publisherCount: 1);

        Assert.Equal(DeliveryOutcome.New, group.Observe(0, 0, 7));
        Assert.Equal(DeliveryOutcome.Duplicate, group.Observe(0, 0, 7));

        var totals = group.Totals([1]);
        Assert.Equal(1, totals.Duplicates);
        Assert.Equal(0, totals.Lost);
    }

    [Fact]
    public void A_delivery_from_a_publisher_the_receiver_should_not_hear_is_misrouted()
    {
        var pairs = new DeliveryLedger([ReceiverExpectation.Publisher(0), ReceiverExpectation.Publisher(1)], publisherCount: 2);

        Assert.Equal(DeliveryOutcome.Misrouted, pairs.Observe(0, 1, 0));
        Assert.Equal(DeliveryOutcome.Misrouted, pairs.Observe(1, 9, 0));
        Assert.Equal(DeliveryOutcome.New, pairs.Observe(1, 1, 0));

        var totals = pairs.Totals([3, 1]);
        Assert.Equal(2, totals.Misrouted);
        Assert.Equal(4, totals.Expected);
        Assert.Equal(3, totals.Lost);
    }

    [Fact]
    public void Expected_deliveries_follow_the_topology()
    {
        var ledger = new DeliveryLedger([ReceiverExpectation.AllPublishers, ReceiverExpectation.Publisher(1)], publisherCount: 2);

        Assert.Equal(5 + 7 + 7, ledger.ExpectedDeliveries([5, 7]));
    }
}
