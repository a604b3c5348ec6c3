using System.Net;
using System.Net.Sockets;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// Free loopback TCP ports for the nodes a test starts. They are taken below Linux's ephemeral range (32768 and up),
/// where the kernel picks the local ports of outgoing connections and of listeners bound to port 0: a port found
/// free there could be taken by one of those (a node's HTTP listener on port 0, a Redis client) before the node
/// binds it. Each is checked free by binding it, and handed out once per test process.
/// </summary>
public static class FreePorts
{
    private const int First = 20_000;
    private const int End = 32_000;
    private static readonly HashSet<int> HandedOut = [];

    public static int Next()
    {
        lock (HandedOut)
        {
            for (int attempt = 0; attempt < 10_000; attempt++)
            {
                int port = Random.Shared.Next(First, End);
                if (HandedOut.Contains(port) || !IsFree(port))
                {
                    continue;
                }

                HandedOut.Add(port);
                return port;
            }

            throw new InvalidOperationException($"no free port between {First} and {End}");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
