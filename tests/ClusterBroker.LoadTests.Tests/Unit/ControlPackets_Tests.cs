using ClusterBroker.LoadTests.Configuration;
using ClusterBroker.LoadTests.Lightweight;

namespace ClusterBroker.LoadTests.Tests.Unit;

public sealed class ControlPackets_Tests
{
    [Fact]
    public void Connect_3_1_1_is_protocol_level_4_with_clean_session_and_keep_alive()
    {
        var packet = ControlPackets.Connect(new ConnectSettings("c1", MqttProtocol.V311, 60, true, null, null));

        byte[] expected = [0x10, 14, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 60, 0, 2, (byte)'c', (byte)'1'];
        Assert.Equal(expected, packet);
    }

    [Fact]
    public void Connect_5_0_carries_an_empty_property_block_and_credentials_flags()
    {
        var packet = ControlPackets.Connect(new ConnectSettings("c", MqttProtocol.V500, 30, false, "u", "p"));

        byte[] expected = [0x10, 20, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 5, 0xC0, 0, 30, 0, 0, 1, (byte)'c', 0, 1, (byte)'u', 0, 1, (byte)'p'];
        Assert.Equal(expected, packet);
    }

    [Fact]
    public void Remaining_length_uses_continuation_bytes_above_127()
    {
        Span<byte> buffer = stackalloc byte[4];

        Assert.Equal(2, ControlPackets.WriteRemainingLength(buffer, 321));
        Assert.Equal([0xC1, 0x02], buffer[..2].ToArray());
        Assert.Equal(2, ControlPackets.RemainingLengthSize(321));
    }

    [Theory]
    [InlineData(new byte[] { 0x20, 0x02, 0x00, 0x00 }, 4, 0)]
    [InlineData(new byte[] { 0x20, 0x02, 0x00, 0x05 }, 4, 5)]
    [InlineData(new byte[] { 0x20, 0x03, 0x00, 0x87, 0x00 }, 5, 0x87)]
    [InlineData(new byte[] { 0x20, 0x02, 0x00 }, 0, 0xFF)]
    public void ConnAck_is_parsed_once_complete(byte[] bytes, int consumed, int code)
    {
        Assert.Equal(consumed, ConnAck.TryParse(bytes, out var returnCode));
        Assert.Equal((byte)code, returnCode);
    }

    [Fact]
    public void Anything_but_a_ConnAck_first_is_rejected()
    {
        Assert.Equal(-1, ConnAck.TryParse([0x30, 0x02, 0x00, 0x00], out _));
    }
}
