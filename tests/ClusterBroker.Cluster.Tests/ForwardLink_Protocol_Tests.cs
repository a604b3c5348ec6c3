using System.Buffers.Binary;
using ClusterBroker.Cluster.Links;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Tests;

/// <summary>The forward link's wire format: the hello, the advertised port, and frames around the serializer's bytes.</summary>
public class ForwardLink_Protocol_Tests : Akka.TestKit.Xunit2.TestKit
{
    public ForwardLink_Protocol_Tests()
        : base(ClusterTestConfig.Serialization, "forward-link-protocol-tests")
    {
    }

    [Fact]
    public void A_hello_reads_back_as_written()
    {
        var hello = new ForwardLinkProtocol.Hello("cluster-broker", "akka.tcp://cluster-broker@10.0.0.7:2551", -123456789, 987654321);
        byte[] frame = ForwardLinkProtocol.WriteHello(hello);

        Assert.Equal(frame.Length - 4, BinaryPrimitives.ReadInt32BigEndian(frame));
        Assert.Equal(hello, ForwardLinkProtocol.ReadHello(frame.AsSpan(4)));
    }

    [Fact]
    public void A_hello_with_another_magic_version_or_length_is_refused_naming_the_problem()
    {
        byte[] body = ForwardLinkProtocol.WriteHello(new ForwardLinkProtocol.Hello("c", "a", 1, 2))[4..];

        byte[] http = "GET / HTTP/1.1\r\n"u8.ToArray();
        Assert.Contains("no CBFL hello", Assert.Throws<InvalidDataException>(() => ForwardLinkProtocol.ReadHello(http)).Message);

        byte[] newer = (byte[])body.Clone();
        newer[4] = 2;
        Assert.Contains("version 2", Assert.Throws<InvalidDataException>(() => ForwardLinkProtocol.ReadHello(newer)).Message);

        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => ForwardLinkProtocol.ReadHello(body.AsSpan(0, body.Length - 3))).Message);
    }

    [Fact]
    public void A_member_advertises_its_link_port_through_a_role_and_other_roles_are_ignored()
    {
        Assert.Equal("forward-link-port-2552", ForwardLinkProtocol.RoleFor(2552));
        Assert.Equal(2552, ForwardLinkProtocol.PortOf(MemberWith("web", ForwardLinkProtocol.RoleFor(2552))));
        Assert.Null(ForwardLinkProtocol.PortOf(MemberWith("web")));
        Assert.Null(ForwardLinkProtocol.PortOf(MemberWith("forward-link-port-0")));
        Assert.Null(ForwardLinkProtocol.PortOf(MemberWith("forward-link-port-70000")));
        Assert.Null(ForwardLinkProtocol.PortOf(MemberWith("forward-link-port-12x")));
    }

    [Fact]
    public void A_frame_is_its_length_its_kind_and_the_serializer_bytes_and_reads_back_from_inside_a_buffer()
    {
        var serializer = (ClusterBrokerSerializer)Sys.Serialization.FindSerializerForType(typeof(ForwardBatch));
        var batch = new ForwardBatch([
            new ForwardedMessage(new BrokerMessage { Id = 7, Topic = "a/b", Payload = new byte[] { 1, 2, 3 }, QoS = QualityOfService.AtLeastOnce }, true, null),
            new ForwardedMessage(new BrokerMessage { Id = 8, Topic = "c", Payload = new byte[] { 4 } }, false, [new Core.Routing.RouteKey("c", "g")], 1),
        ]);

        byte[] frame = serializer.ToFrame(ForwardLinkProtocol.BatchFrame, batch);
        Assert.Equal(frame.Length - 4, BinaryPrimitives.ReadInt32BigEndian(frame));
        Assert.Equal(ForwardLinkProtocol.BatchFrame, frame[4]);
        Assert.Equal(serializer.ToBinary(batch), frame[ForwardLinkProtocol.FrameHeader..]);

        // Two frames back to back in one receive buffer: the second is read in place.
        byte[] marker = serializer.ToFrame(ForwardLinkProtocol.MarkerFrame, new ForwardMarker(42));
        byte[] buffer = [.. frame, .. marker];
        var segment = new ArraySegment<byte>(buffer, frame.Length + ForwardLinkProtocol.FrameHeader, marker.Length - ForwardLinkProtocol.FrameHeader);
        Assert.Equal(new ForwardMarker(42), serializer.FromBinary(segment, "FM"));
        var back = (ForwardBatch)serializer.FromBinary(new ArraySegment<byte>(buffer, ForwardLinkProtocol.FrameHeader, frame.Length - ForwardLinkProtocol.FrameHeader), "FB");
        Assert.Equal(serializer.ToBinary(batch), serializer.ToBinary(back));
    }

    private static string[] MemberWith(params string[] roles) => roles;
}
