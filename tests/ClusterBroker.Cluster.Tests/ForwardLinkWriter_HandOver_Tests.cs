using ClusterBroker.Cluster.Links;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Cluster.Tests;

/// <summary>
/// The hand-over of a crashed destination's recent forwards: what the writer was given before it is handed over, and
/// whatever it is given after goes to the late path, so that no forward falls between the two (seen in CI: a message
/// acknowledged while its node handed over a dead node's forwards was lost to the subscriber continued elsewhere).
/// </summary>
public class ForwardLinkWriter_HandOver_Tests : Akka.TestKit.Xunit2.TestKit
{
    public ForwardLinkWriter_HandOver_Tests()
        : base(ClusterTestConfig.Serialization, "forward-link-writer-hand-over-tests")
    {
    }

    [Fact]
    public void Forwards_given_before_the_hand_over_are_handed_over_and_those_given_after_go_to_the_late_path_not_to_the_link()
    {
        var serializer = (ClusterBrokerSerializer)Sys.Serialization.FindSerializerForType(typeof(ForwardBatch));
        // No connection attached: what it is given waits for one, as for a destination that just died.
        var writer = new ForwardLinkWriter("akka.tcp://cluster-broker@127.0.0.1:1#1", serializer, new ClusterMetrics(), NullLogger.Instance,
            viaRemoting: false, crashReplayWindow: TimeSpan.FromSeconds(30));
        writer.Forward(Message(1));
        writer.Forward(Message(2));

        var late = new List<ForwardedMessage>();
        (List<ForwardedMessage> recent, long dropped) = writer.HandOverRecent(late.Add);
        writer.Forward(Message(3));

        Assert.Equal([1UL, 2UL], recent.Select(f => f.Message.Id));
        Assert.Equal(0, dropped);
        Assert.Equal([3UL], late.Select(f => f.Message.Id));
        // The late one is not kept as a recent forward either: a second hand-over would not bring it twice.
        Assert.Equal([1UL, 2UL], writer.HandOverRecent(late.Add).Recent.Select(f => f.Message.Id));
    }

    private static ForwardedMessage Message(ulong id) =>
        new(new BrokerMessage { Id = id, Topic = "t/" + id, Payload = new byte[] { 1 }, QoS = QualityOfService.AtLeastOnce }, Plain: true, Groups: null);
}
