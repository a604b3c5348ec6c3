using System.Net;
using System.Text;
using ClusterBroker.Transport.Proxy;

namespace ClusterBroker.Transport.Tests;

/// <summary>The PROXY protocol header parser alone (HAProxy's proxy-protocol.txt, versions 1 and 2): each form, every split, the refusals.</summary>
public class ProxyHeaderParser_Tests
{
    private static readonly byte[] s_signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static byte[] V2(byte versionCommand, byte familyProtocol, byte[] body) =>
        [.. s_signature, versionCommand, familyProtocol, (byte)(body.Length >> 8), (byte)body.Length, .. body];

    private static readonly byte[] s_v2Ipv6 = V2(0x21, 0x21,
        [.. IPAddress.Parse("2001:db8::1").GetAddressBytes(), .. IPAddress.IPv6Loopback.GetAddressBytes(), 0x12, 0x34, 0x07, 0x5B, /* a TLV */ 0x02, 0x00, 0x01, 0x41]);

    public static TheoryData<string, byte[], string?> Headers => new()
    {
        { "v1 TCP4", Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 198.51.100.2 56324 1883\r\n"), "192.0.2.1:56324" },
        { "v1 TCP6", Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::7 ::1 4000 1883\r\n"), "[2001:db8::7]:4000" },
        { "v1 UNKNOWN", Encoding.ASCII.GetBytes("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"), null },
        { "v2 IPv4", V2(0x21, 0x11, [192, 0, 2, 9, 127, 0, 0, 1, 0x1F, 0x90, 0x07, 0x5B]), "192.0.2.9:8080" },
        { "v2 IPv6 with a TLV", s_v2Ipv6, "[2001:db8::1]:4660" },
        { "v2 LOCAL", V2(0x20, 0x00, []), null },
        { "v2 UNSPEC", V2(0x21, 0x00, []), null },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_header_is_read_whole_whatever_follows_and_needs_more_while_incomplete(string form, byte[] header, string? source)
    {
        byte[] withConnect = [.. header, 0x10, 0x0C, 0x00, 0x04];

        ProxyHeaderResult complete = ProxyHeaderParser.Parse(withConnect);

        Assert.True(complete.Status == ProxyHeaderStatus.Complete, $"{form}: {complete.Error}");
        Assert.Equal(header.Length, complete.Consumed);
        Assert.Equal(source, complete.Source?.ToString());
        for (int length = 0; length < header.Length; length++)
        {
            Assert.Equal(ProxyHeaderStatus.NeedMore, ProxyHeaderParser.Parse(header.AsSpan(0, length)).Status);
        }
    }

    public static TheoryData<string, byte[], string> Invalid => new()
    {
        { "MQTT CONNECT", [0x10, 0x0C, 0x00, 0x04], "no PROXY protocol header (first byte 0x10)" },
        { "HTTP", Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n"), "no PROXY protocol header" },
        { "PROXX", Encoding.ASCII.GetBytes("PROXX TCP4"), "expected \"PROXY \"" },
        { "v1 too long", Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('9', 100)), "longer than 107 bytes" },
        { "v1 IPv6 address for TCP4", Encoding.ASCII.GetBytes("PROXY TCP4 ::1 ::1 1 2\r\n"), "are not TCP4 addresses" },
        { "v1 signed port", Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 192.0.2.2 -1 2\r\n"), "are not 0-65535" },
        { "v2 command 2", V2(0x22, 0x11, new byte[12]), "command 2" },
        { "v2 IPv6 length 12", V2(0x21, 0x21, new byte[12]), "too short" },
        { "v2 protocol 3", V2(0x21, 0x13, new byte[12]), "not defined" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Bytes_that_cannot_be_a_header_are_refused_with_the_reason(string form, byte[] input, string reason)
    {
        ProxyHeaderResult result = ProxyHeaderParser.Parse(input);

        Assert.True(result.Status == ProxyHeaderStatus.Invalid, form);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }
}
