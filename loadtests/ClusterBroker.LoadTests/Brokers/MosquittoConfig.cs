using System.Globalization;

namespace ClusterBroker.LoadTests.Brokers;

/// <summary>
/// A mosquitto configuration of our own: one listener on 127.0.0.1, anonymous access, no persistence,
/// logs to stdout, no connection limit. Running as root it stays root (`user root`), so it never needs
/// to read or write anything as user mosquitto.
/// </summary>
public static class MosquittoConfig
{
    public static string Render(int port, IEnumerable<string>? extraLines = null)
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1"),
            "allow_anonymous true",
            "persistence false",
            "log_dest stdout",
            "log_type error",
            "log_type warning",
            "max_connections -1",
        };
        if (Environment.UserName == "root")
        {
            lines.Add("user root");
        }

        lines.AddRange(extraLines ?? []);

        return string.Join('\n', lines) + "\n";
    }
}
