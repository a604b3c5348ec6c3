using System.Net;
using DotNetty.Common.Utilities;
using DotNetty.Transport.Channels;

namespace ClusterBroker.Transport.Internal;

/// <summary>
/// What the handlers in front of the MQTT decoder learn about a connection and hand on to it: the client address
/// from a PROXY protocol header, the user name taken from a client certificate.
/// </summary>
internal static class ChannelAttributes
{
    /// <summary>The client's address as a PROXY protocol header gave it ("203.0.113.7:51000"); unset without PROXY.</summary>
    public static readonly AttributeKey<string> ClientAddress = AttributeKey<string>.ValueOf("clusterbroker.client-address");

    /// <summary>The user name a verified client certificate stands for (<see cref="TlsListenerOptions.CertificateAsUsername"/>).</summary>
    public static readonly AttributeKey<string> CertificateUsername = AttributeKey<string>.ValueOf("clusterbroker.certificate-username");

    /// <summary>The address to log and to apply bans and ACL patterns to: the PROXY header's, else the socket's peer.</summary>
    public static string RemoteEndPointOf(IChannel channel) =>
        channel.GetAttribute(ClientAddress).Get() ?? Format(channel.RemoteAddress);

    public static string Format(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip when ip.Address.IsIPv4MappedToIPv6 => new IPEndPoint(ip.Address.MapToIPv4(), ip.Port).ToString(),
        null => "unknown",
        _ => endPoint.ToString() ?? "unknown",
    };
}
