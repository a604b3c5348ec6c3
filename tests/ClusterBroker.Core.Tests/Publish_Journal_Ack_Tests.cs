using System.Threading.Tasks.Sources;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

/// <summary>
/// The acknowledgement of a QoS 1/2 PUBLISH that reaches a persistent session waits for the publish journal: success
/// once it is stored, 0x80 (5.0) or a closed connection (3.1.1) when it is not, and never left unsent, even when the
/// write completes at the moment the channel looks at it.
/// </summary>
public sealed class Publish_Journal_Ack_Tests
{
    [Fact]
    public void A_write_that_completes_between_the_channels_two_looks_is_acknowledged()
    {
        var journal = new ScriptedJournal(_ => new FlippingResult(pendingLooks: 1, stored: true));
        (TestBroker broker, TestClient publisher) = PublisherWithPersistentSubscriber(journal, ProtocolVersion.V500);

        publisher.Publish("j/t", "m", QualityOfService.AtLeastOnce);

        Assert.Equal(1, journal.Appended);
        PubAckPacket ack = Assert.Single(publisher.Connection.SentOf<PubAckPacket>());
        Assert.Equal(ReasonCode.Success, ack.ReasonCode);
    }

    [Fact]
    public void Acknowledgements_keep_the_order_of_the_publishes_and_a_write_not_stored_is_refused_with_0x80_in_5_0()
    {
        var pending = new List<TaskCompletionSource<bool>>();
        var journal = new ScriptedJournal(_ =>
        {
            var source = new TaskCompletionSource<bool>(); // continuations run on the thread that completes it: the test's
            pending.Add(source);
            return source;
        });
        (TestBroker broker, TestClient publisher) = PublisherWithPersistentSubscriber(journal, ProtocolVersion.V500);

        publisher.Publish("j/t", "1", QualityOfService.AtLeastOnce);
        publisher.Publish("j/t", "2", QualityOfService.AtLeastOnce);
        publisher.Publish("j/t", "3", QualityOfService.AtLeastOnce);
        Assert.Empty(publisher.Connection.SentOf<PubAckPacket>());

        pending[2].SetResult(true);
        pending[1].SetResult(false);
        Assert.Empty(publisher.Connection.SentOf<PubAckPacket>()); // the first still waits, and the others behind it

        pending[0].SetResult(true);
        PubAckPacket[] acks = publisher.Connection.SentOf<PubAckPacket>();
        Assert.Equal(new ushort[] { 1, 2, 3 }, acks.Select(a => a.PacketId));
        Assert.Equal(new[] { ReasonCode.Success, ReasonCode.UnspecifiedError, ReasonCode.Success }, acks.Select(a => a.ReasonCode));
        Assert.Equal(1, broker.Context.Metrics.PublishesNotStored);
    }

    [Fact]
    public void A_write_not_stored_closes_a_3_1_1_connection_unacknowledged_and_a_clean_subscriber_alone_needs_no_write()
    {
        var journal = new ScriptedJournal(_ => new FlippingResult(pendingLooks: 0, stored: false));
        (TestBroker broker, TestClient publisher) = PublisherWithPersistentSubscriber(journal, ProtocolVersion.V311);
        TestClient clean = broker.Connect("clean-sub", ProtocolVersion.V311, clean: true);
        clean.Subscribe("c/t", QualityOfService.AtLeastOnce);

        publisher.Publish("c/t", "to a clean session", QualityOfService.AtLeastOnce);
        Assert.Equal(0, journal.Appended);
        Assert.Single(publisher.Connection.SentOf<PubAckPacket>());

        publisher.Publish("j/t", "to a persistent session", QualityOfService.AtLeastOnce);
        Assert.Equal(1, journal.Appended);
        Assert.Single(publisher.Connection.SentOf<PubAckPacket>());
        Assert.True(publisher.Connection.Closed);
    }

    private static (TestBroker Broker, TestClient Publisher) PublisherWithPersistentSubscriber(ScriptedJournal journal, ProtocolVersion version)
    {
        var broker = new TestBroker();
        broker.Context.Journal = journal;
        TestClient subscriber = broker.Connect("persistent-sub", ProtocolVersion.V500, clean: false, customize: c => c with { SessionExpiryInterval = 3600 });
        subscriber.Subscribe("j/t", QualityOfService.AtLeastOnce);
        TestClient publisher = broker.Connect("publisher", version);
        return (broker, publisher);
    }

    /// <summary>A journal whose appends complete as the test scripts them.</summary>
    private sealed class ScriptedJournal(Func<BrokerMessage, object> next) : IPublishJournal
    {
        public int Appended { get; private set; }

        public ValueTask<bool> AppendAsync(BrokerMessage message)
        {
            Appended++;
            return next(message) switch
            {
                FlippingResult flipping => new ValueTask<bool>(flipping, 0),
                TaskCompletionSource<bool> source => new ValueTask<bool>(source.Task),
                var other => throw new InvalidOperationException(other.GetType().Name),
            };
        }

        public Task<IReadOnlyList<BrokerMessage>> ReadAsync(string node) => Task.FromResult<IReadOnlyList<BrokerMessage>>([]);

        public Task DeleteAsync(string node) => Task.CompletedTask;
    }

    /// <summary>A result that says "pending" to its first <paramref name="pendingLooks"/> status checks and is complete after: a write completing while the channel looks.</summary>
    private sealed class FlippingResult(int pendingLooks, bool stored) : IValueTaskSource<bool>
    {
        private int _looks;

        public ValueTaskSourceStatus GetStatus(short token) =>
            _looks++ < pendingLooks ? ValueTaskSourceStatus.Pending : ValueTaskSourceStatus.Succeeded;

        public bool GetResult(short token) => stored;

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) => continuation(state);
    }
}
