using System.Buffers;
using ClusterBroker.LoadTests.Messages;

namespace ClusterBroker.LoadTests.Tests.Unit;

public sealed class MessageStamp_Tests
{
    [Fact]
    public void Round_trips_publisher_sequence_and_timestamp_through_a_padded_payload()
    {
        var stamp = new MessageStamp(42, 123_456_789, 987_654_321);

        var payload = stamp.ToPayload(1024);

        Assert.Equal(1024, payload.Length);
        Assert.True(MessageStamp.TryRead(new ReadOnlySequence<byte>(payload), out var read));
        Assert.Equal(stamp, read);
    }

    [Fact]
    public void Payload_is_never_smaller_than_the_stamp()
    {
        Assert.Equal(MessageStamp.Size, new MessageStamp(1, 2, 3).ToPayload(4).Length);
    }

    [Fact]
    public void Reads_a_stamp_split_over_segments()
    {
        var payload = new MessageStamp(7, 8, 9).ToPayload(64);
        var first = new Segment(payload.AsMemory(0, 5));
        var last = first.Append(payload.AsMemory(5));

        Assert.True(MessageStamp.TryRead(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), out var read));
        Assert.Equal(new MessageStamp(7, 8, 9), read);
    }

    [Fact]
    public void Rejects_payloads_that_are_not_ours()
    {
        Assert.False(MessageStamp.TryRead(new ReadOnlySequence<byte>("hello, this is not a stamped payload"u8.ToArray()), out _));
        Assert.False(MessageStamp.TryRead(new ReadOnlySequence<byte>(new byte[3]), out _));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
