using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.TestKit;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Sessions;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Cluster.Tests;

/// <summary>
/// HandOffRescueActor on a one-node cluster: session messages sharding drops at a shard hand-off go back to the
/// session region (a probe here) with their sender; other drops are left alone.
/// </summary>
public class HandOffRescue_Tests : Akka.TestKit.Xunit2.TestKit
{
    // Akka's reason when a region drops what it buffered for a shard between BeginHandOff and HandOff.
    private const string HandOffReason = "Avoiding reordering of buffered messages at shard handoff";

    private readonly TestProbe _region;
    private readonly TestProbe _sender;

    public HandOffRescue_Tests()
        : base(ClusterTestConfig.Hocon, "hand-off-rescue-tests")
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(30));
        _region = CreateTestProbe();
        _sender = CreateTestProbe();
        IActorRef rescue = Sys.ActorOf(HandOffRescueActor.Props(_region.Ref, NullLogger.Instance));
        rescue.Tell(new Identify(1), TestActor); // answered after PreStart: the actor is subscribed
        ExpectMsg<ActorIdentity>();
    }

    private static EnqueueMessage Enqueue(string topic) =>
        new("client-1", new QueuedMessage(new BrokerMessage { Topic = topic }, QualityOfService.AtLeastOnce, false, null));

    [Fact]
    public void A_message_for_a_session_dropped_at_hand_off_goes_back_to_the_region_with_its_sender()
    {
        // As Akka publishes it: the Dropped told to the dead-letters actor arrives wrapped in a DeadLetter.
        var dropped = new Dropped(Enqueue("a/1"), HandOffReason, _sender.Ref, ActorRefs.NoSender);
        Sys.EventStream.Publish(new DeadLetter(dropped, _sender.Ref, Sys.DeadLetters));

        EnqueueMessage again = _region.ExpectMsg<EnqueueMessage>();
        Assert.Equal("a/1", again.Message.Message.Topic);
        Assert.Equal(_sender.Ref, _region.LastSender);
    }

    [Fact]
    public void Other_drops_and_other_messages_are_left_alone()
    {
        Sys.EventStream.Publish(new DeadLetter(new Dropped(Enqueue("a/2"), "Buffer full", _sender.Ref, ActorRefs.NoSender), _sender.Ref, Sys.DeadLetters));
        Sys.EventStream.Publish(new DeadLetter(new Dropped(new ForgetSession("client-1"), HandOffReason, _sender.Ref, ActorRefs.NoSender), _sender.Ref, Sys.DeadLetters));
        Sys.EventStream.Publish(new DeadLetter(Enqueue("a/3"), _sender.Ref, Sys.DeadLetters)); // not to a session entity

        // Then one that is rescued: the event stream keeps this publisher's order, so it is the first the region gets.
        Sys.EventStream.Publish(new DeadLetter(new Dropped(Enqueue("a/4"), HandOffReason, _sender.Ref, ActorRefs.NoSender), _sender.Ref, Sys.DeadLetters));
        Assert.Equal("a/4", _region.ExpectMsg<EnqueueMessage>().Message.Message.Topic);
    }
}
