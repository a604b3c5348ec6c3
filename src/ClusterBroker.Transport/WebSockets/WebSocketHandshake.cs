using System.Security.Cryptography;
using System.Text;

namespace ClusterBroker.Transport.WebSockets;

/// <summary>
/// The server side of the RFC 6455 opening handshake for MQTT over WebSocket: checks the HTTP/1.1 GET
/// upgrade request (path, Upgrade/Connection headers, key, version 13), selects the "mqtt" subprotocol
/// [MQTT-6.0.0-4], and writes the 101 response, or names the HTTP status and reason to refuse with.
/// </summary>
internal static class WebSocketHandshake
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Either the 101 response to send, or the HTTP status line and reason to refuse with.</summary>
    public readonly record struct Outcome(string? Response, string Status, string Reason)
    {
        public static Outcome Accept(string response) => new(response, "101 Switching Protocols", "");

        public static Outcome Reject(string status, string reason) => new(null, status, reason);
    }

    public static Outcome Answer(string request, string expectedPath)
    {
        string[] lines = request.Split("\r\n", StringSplitOptions.None);
        string[] requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0] != "GET" || !requestLine[2].StartsWith("HTTP/1.1", StringComparison.Ordinal))
        {
            return Outcome.Reject("400 Bad Request", "not an HTTP/1.1 GET request");
        }
        string path = requestLine[1];
        int query = path.IndexOf('?');
        if (query >= 0)
            path = path[..query];
        if (expectedPath != "/" && !string.Equals(path, expectedPath, StringComparison.Ordinal))
        {
            return Outcome.Reject("404 Not Found", $"path {path} is not {expectedPath}");
        }

        string? upgrade = null, connection = null, key = null, version = null, protocols = null;
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i];
            int colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            string name = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            if (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase))
                upgrade = value;
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                connection = value;
            else if (name.Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase))
                key = value;
            else if (name.Equals("Sec-WebSocket-Version", StringComparison.OrdinalIgnoreCase))
                version = value;
            else if (name.Equals("Sec-WebSocket-Protocol", StringComparison.OrdinalIgnoreCase))
                protocols = protocols is null ? value : protocols + "," + value;
        }
        if (!string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase)
            || connection is null || !connection.Contains("upgrade", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrEmpty(key))
        {
            return Outcome.Reject("400 Bad Request", "not a WebSocket upgrade");
        }
        if (version != "13")
        {
            return Outcome.Reject("426 Upgrade Required", "Sec-WebSocket-Version must be 13");
        }

        // [MQTT-6.0.0-4] the server selects "mqtt"; 3.1 clients may offer "mqttv3.1".
        string? selected = null;
        if (protocols is not null)
        {
            foreach (string offered in protocols.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (offered.Equals("mqtt", StringComparison.OrdinalIgnoreCase) || offered.Equals("mqttv3.1", StringComparison.OrdinalIgnoreCase))
                {
                    selected = offered;
                    break;
                }
            }
            if (selected is null)
            {
                return Outcome.Reject("400 Bad Request", "no offered subprotocol is mqtt");
            }
        }

        string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        var sb = new StringBuilder(160)
            .Append("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ")
            .Append(accept).Append("\r\n");
        if (selected is not null)
            sb.Append("Sec-WebSocket-Protocol: ").Append(selected).Append("\r\n");
        return Outcome.Accept(sb.Append("\r\n").ToString());
    }
}
