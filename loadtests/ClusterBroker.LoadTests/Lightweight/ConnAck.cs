namespace ClusterBroker.LoadTests.Lightweight;

/// <summary>
/// Reads a CONNACK from the first bytes a broker sends: fixed header 0x20, remaining length, the
/// acknowledge flags and the return code (3.1.1) or reason code (5.0; properties follow and are skipped).
/// </summary>
public static class ConnAck
{
    /// <summary>Returns the number of bytes the packet occupies, 0 if more bytes are needed, -1 if it is not a CONNACK.</summary>
    public static int TryParse(ReadOnlySpan<byte> buffer, out byte code)
    {
        code = 0xFF;
        if (buffer.Length < 2)
        {
            return 0;
        }

        if (buffer[0] != 0x20)
        {
            return -1;
        }

        var remaining = 0;
        var multiplier = 1;
        var at = 1;
        while (true)
        {
            if (at >= buffer.Length)
            {
                return 0;
            }

            if (at > 4)
            {
                return -1;
            }

            var digit = buffer[at++];
            remaining += (digit & 0x7F) * multiplier;
            multiplier *= 128;
            if ((digit & 0x80) == 0)
            {
                break;
            }
        }

        if (remaining < 2)
        {
            return -1;
        }

        if (buffer.Length < at + remaining)
        {
            return 0;
        }

        code = buffer[at + 1];
        return at + remaining;
    }
}
