using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using ClusterBroker.Storage.Redis.Retained;

namespace ClusterBroker.Storage.Redis.Tests;

/// <summary>The versioned binary encoding of a retained message in Redis.</summary>
public sealed class Retained_Codec_Tests
{
    private static readonly BrokerMessage s_full = new()
    {
        Id = 0xF000_0000_0000_0042,
        Topic = "a/ü/b",
        Payload = Encoding.UTF8.GetBytes("payload"),
        QoS = QualityOfService.AtLeastOnce,
        Retain = true,
        PublisherId = "p",
        ExpiresAtUnixMs = 1_700_000_000_123,
        PayloadFormatIndicator = 0,
        ContentType = "",
        ResponseTopic = "r",
        CorrelationData = Array.Empty<byte>(),
        UserProperties = [new UserProperty("k", "v")],
    };

    [Fact]
    public void A_message_with_every_property_decodes_to_the_same_message()
    {
        byte[] encoded = RetainedMessageCodec.Encode(s_full);

        Assert.True(RetainedMessageCodec.TryDecode(encoded, out BrokerMessage? decoded, out _));
        Assert.Equal(s_full.Topic, decoded!.Topic);
        Assert.Equal(s_full.Payload.ToArray(), decoded.Payload.ToArray());
        Assert.Equal(s_full.ExpiresAtUnixMs, decoded.ExpiresAtUnixMs);
        Assert.Equal((byte)0, decoded.PayloadFormatIndicator);
        Assert.Equal("", decoded.ContentType);
        Assert.Equal("r", decoded.ResponseTopic);
        Assert.Equal(0, decoded.CorrelationData!.Value.Length);
        Assert.Equal(s_full.UserProperties, decoded.UserProperties);
        Assert.Equal("p", decoded.PublisherId);
        Assert.Equal(0xF000_0000_0000_0042UL, decoded.Id);
    }

    [Fact]
    public void Absent_properties_stay_absent()
    {
        byte[] encoded = RetainedMessageCodec.Encode(new BrokerMessage { Topic = "t", Payload = new byte[] { 7 }, Retain = true });

        Assert.True(RetainedMessageCodec.TryDecode(encoded, out BrokerMessage? decoded, out _));
        Assert.Null(decoded!.PayloadFormatIndicator);
        Assert.Null(decoded.ContentType);
        Assert.Null(decoded.ResponseTopic);
        Assert.Null(decoded.CorrelationData);
        Assert.Null(decoded.UserProperties);
        Assert.Null(decoded.PublisherId);
        Assert.Equal(0, decoded.ExpiresAtUnixMs);
        Assert.Equal(0UL, decoded.Id);
    }

    [Fact]
    public void Every_truncation_and_another_format_version_fail_to_decode_instead_of_throwing()
    {
        byte[] encoded = RetainedMessageCodec.Encode(s_full);
        for (int length = 0; length < encoded.Length; length++)
        {
            Assert.False(RetainedMessageCodec.TryDecode(encoded.AsMemory(0, length), out _, out string? error), $"length {length}");
            Assert.NotNull(error);
        }

        byte[] otherVersion = (byte[])encoded.Clone();
        otherVersion[0] = 2;
        Assert.False(RetainedMessageCodec.TryDecode(otherVersion, out _, out string? versionError));
        Assert.Contains("format version 2", versionError, StringComparison.Ordinal);
    }

    [Fact]
    public void The_header_holds_the_format_and_the_expiry_at_the_start_of_the_value()
    {
        byte[] encoded = RetainedMessageCodec.Encode(s_full);

        Assert.Equal(RetainedMessageCodec.Header(s_full.ExpiresAtUnixMs), encoded[..RetainedMessageCodec.HeaderLength]);
        Assert.True(RetainedMessageCodec.TryReadHeader(encoded, out long expiresAt));
        Assert.Equal(s_full.ExpiresAtUnixMs, expiresAt);
    }
}
