using System.Net;
using System.Net.Sockets;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// Free loopback TCP ports: a socket bound to port 0 tells which one the kernel picked, then closes.
/// A port is handed out once per test process, so two nodes of this run never get the same one.
/// </summary>
public static class FreePorts
{
    private static readonly HashSet<int> HandedOut = [];

    public static int Next()
    {
        lock (HandedOut)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
