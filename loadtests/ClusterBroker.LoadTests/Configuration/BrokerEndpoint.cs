using System.Globalization;
using System.Net;

namespace ClusterBroker.LoadTests.Configuration;

/// <summary>One broker listener, written HOST:PORT on the command line. Only loopback addresses are accepted.</summary>
public sealed record BrokerEndpoint(string Host, int Port)
{
    public static BrokerEndpoint Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new FormatException($"'{text}' is not HOST:PORT");
        }

        var host = text[..colon];
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"'{text}' has no valid port");
        }

        var endpoint = new BrokerEndpoint(host, port);
        _ = endpoint.ToIPEndPoint();
        return endpoint;
    }

    /// <summary>Resolves the host; load is only ever sent to the loopback range (127.0.0.0/8 or ::1).</summary>
    public IPEndPoint ToIPEndPoint()
    {
        var address = Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(Host);
        if (!IPAddress.IsLoopback(address))
        {
            throw new FormatException($"'{Host}' is not a loopback address; this runner only loads brokers on this machine");
        }

        return new IPEndPoint(address, Port);
    }

    public override string ToString() => $"{Host}:{Port}";
}
