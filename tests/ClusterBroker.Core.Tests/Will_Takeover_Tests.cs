using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

/// <summary>
/// The Will of a connection that is taken over, as Mosquitto 2.0.11 does it (run against it: tests/ClusterBroker.IntegrationTests
/// Will_Takeover_Tests): not published when a persistent session is resumed by the new connection, published otherwise.
/// </summary>
public class Will_Takeover_Tests
{
    public static TheoryData<ProtocolVersion, bool, bool, bool> Combinations()
    {
        var data = new TheoryData<ProtocolVersion, bool, bool, bool>();
        foreach (ProtocolVersion version in new[] { ProtocolVersion.V311, ProtocolVersion.V500 })
        {
            foreach (bool oldPersistent in new[] { false, true })
            {
                foreach (bool newPersistent in new[] { false, true })
                {
                    data.Add(version, oldPersistent, newPersistent, !(oldPersistent && newPersistent));
                }
            }
        }

        return data;
    }

    private static ConnectPacket Session(ConnectPacket c, bool persistent, WillMessage? will) => c with
    {
        CleanSession = !persistent,
        SessionExpiryInterval = c.ProtocolVersion == ProtocolVersion.V500 ? (persistent ? 300u : 0u) : null,
        Will = will,
    };

    [Theory]
    [MemberData(nameof(Combinations))]
    public void The_will_of_a_taken_over_connection_is_published_unless_a_persistent_session_is_resumed(ProtocolVersion version, bool oldPersistent, bool newPersistent, bool published)
    {
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("watcher");
        watcher.Subscribe("will/#");
        var will = new WillMessage { Topic = "will/dev", Payload = "old"u8.ToArray(), QoS = QualityOfService.AtLeastOnce };
        TestClient old = broker.Connect("dev", version, clean: !oldPersistent, c => Session(c, oldPersistent, will));

        TestClient taker = broker.Connect("dev", version, clean: !newPersistent, c => Session(c, newPersistent, null));

        Assert.True(old.Connection.Closed);
        Assert.Equal(published ? ["old"] : [], watcher.ReceivedPayloads);

        // Nothing of the old Will is left for later either.
        broker.Time.Advance(TimeSpan.FromMinutes(10));
        broker.Sessions.RunTimers();
        taker.Send(DisconnectPacket.Normal);
        broker.Sessions.RunTimers();
        Assert.Equal(published ? ["old"] : [], watcher.ReceivedPayloads);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Asked_by_the_session_owner_the_will_waits_for_the_new_connection_to_decide(bool newClean, bool published)
    {
        // The newer connection is on another node: the owner closes this one (no word on how the newer one starts),
        // which hands its Will to the owner; the owner publishes it only if the newer connection starts clean.
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("watcher");
        watcher.Subscribe("will/#");
        var will = new WillMessage { Topic = "will/dev", Payload = "old"u8.ToArray(), QoS = QualityOfService.AtLeastOnce };
        TestClient old = broker.Connect("dev", ProtocolVersion.V500, clean: false, c => Session(c, true, will));

        broker.Context.Connections.Disconnect(old.Channel.ConnectionId, ReasonCode.SessionTakenOver);
        Assert.Empty(watcher.ReceivedPayloads);
        Assert.NotNull(broker.Sessions.Find("dev")!.Will);

        broker.Sessions.Find("dev")!.Attach(new Sessions.SessionAttachRequest("dev", newClean, 999, 300), broker.Time.GetUtcNow().ToUnixTimeMilliseconds(), out Messages.PendingWill? toPublish);
        Assert.Equal(published, toPublish is not null);
        Assert.Null(broker.Sessions.Find("dev")!.Will);
    }

    [Fact]
    public void Asked_by_the_session_owner_with_no_new_connection_arriving_the_will_is_published_after_the_takeover_timeout()
    {
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("watcher");
        watcher.Subscribe("will/#");
        var will = new WillMessage { Topic = "will/dev", Payload = "old"u8.ToArray(), QoS = QualityOfService.AtLeastOnce };
        TestClient old = broker.Connect("dev", ProtocolVersion.V500, clean: false, c => Session(c, true, will));

        broker.Context.Connections.Disconnect(old.Channel.ConnectionId, ReasonCode.SessionTakenOver);
        broker.Time.Advance(broker.Options.TakeoverTimeout + TimeSpan.FromSeconds(1));
        broker.Sessions.RunTimers();
        Assert.Equal(["old"], watcher.ReceivedPayloads);
    }
}
