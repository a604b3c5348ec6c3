using System.Globalization;
using System.Net;

namespace ClusterBroker.PeerBroker;

/// <summary>Command line of the peer broker: --port N (default 1883), --bind ADDRESS (default 127.0.0.1), --max-pending N.</summary>
public sealed record PeerBrokerOptions(int Port, IPAddress Bind, int MaxPendingMessagesPerClient)
{
    public static PeerBrokerOptions Parse(IReadOnlyList<string> args)
    {
        var port = 1883;
        var bind = IPAddress.Loopback;
        var maxPending = 250;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port":
                    port = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--bind":
                    bind = IPAddress.Parse(value);
                    break;
                case "--max-pending":
                    maxPending = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]} (use --port N, --bind ADDRESS, --max-pending N)");
            }

            i++;
        }

        return new PeerBrokerOptions(port, bind, maxPending);
    }
}
