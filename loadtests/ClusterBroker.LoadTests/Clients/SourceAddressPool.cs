using System.Net;

namespace ClusterBroker.LoadTests.Clients;

/// <summary>
/// Spreads client source addresses over 127.0.0.0/8 so that ~28,000 ephemeral ports per address are
/// never the limit: client i binds to 127.B.C.D with a new address every <see cref="ClientsPerAddress"/> clients.
/// Every address in 127.0.0.0/8 is local on Linux; nothing here leaves the machine.
/// </summary>
public static class SourceAddressPool
{
    public const int ClientsPerAddress = 1000;

    public static IPAddress For(int clientIndex)
    {
        var n = clientIndex / ClientsPerAddress;
        var b = 16 + (n / (256 * 250) % 200);
        var c = n / 250 % 256;
        var d = (n % 250) + 1;
        return new IPAddress([127, (byte)b, (byte)c, (byte)d]);
    }
}
