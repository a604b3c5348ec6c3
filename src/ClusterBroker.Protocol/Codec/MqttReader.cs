using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace ClusterBroker.Protocol.Codec;

/// <summary>
/// Reads the data representations of section 1.5 from the body of one frame. Never throws: a read
/// that fails records a <see cref="Violation"/> and returns false; the caller stops at the first one.
/// Binary values are slices of the frame memory (no copy).
/// </summary>
internal ref struct MqttReader
{
    private readonly ReadOnlySpan<byte> _span;
    private readonly ReadOnlyMemory<byte> _memory;
    private int _position;
    private int _limit;

    public MqttReader(ReadOnlyMemory<byte> memory, ProtocolVersion version)
    {
        _memory = memory;
        _span = memory.Span;
        _position = 0;
        _limit = _span.Length;
        Version = version;
        Violation = null;
    }

    /// <summary>The version whose rules apply (changes once the CONNECT protocol level is read).</summary>
    public ProtocolVersion Version;

    public ProtocolViolation? Violation;

    public readonly bool IsV5 => Version == ProtocolVersion.V500;

    public readonly int Position => _position;

    /// <summary>Bytes left before the current limit (the end of the frame or of a property block).</summary>
    public readonly int Remaining => _limit - _position;

    public readonly int Length => _span.Length;

    /// <summary>Selects the rule identifier of the version being read (5.0 and 3.1.1 number some statements differently).</summary>
    public readonly string Rule(string v5Rule, string v311Rule) => IsV5 ? v5Rule : v311Rule;

    public bool Fail(ReasonCode reasonCode, string rule, string message)
    {
        Violation ??= new ProtocolViolation(reasonCode, rule, message);
        return false;
    }

    private bool Truncated(string what) =>
        Fail(ReasonCode.MalformedPacket, Rule("MQTT-2.1.4", "MQTT-2.2.3"), $"The packet ends before its {what} (remaining length too small).");

    public bool ReadByte(out byte value, string what)
    {
        if (_position >= _limit)
        {
            value = 0;
            return Truncated(what);
        }

        value = _span[_position++];
        return true;
    }

    public bool ReadUInt16(out ushort value, string what)
    {
        if (_limit - _position < 2)
        {
            value = 0;
            return Truncated(what);
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_span.Slice(_position, 2));
        _position += 2;
        return true;
    }

    public bool ReadUInt32(out uint value, string what)
    {
        if (_limit - _position < 4)
        {
            value = 0;
            return Truncated(what);
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_span.Slice(_position, 4));
        _position += 4;
        return true;
    }

    /// <summary>A Variable Byte Integer (1.5.5): at most four bytes; in 5.0 the minimum number of bytes [MQTT-1.5.5-1].</summary>
    public bool ReadVariableByteInteger(out int value, string what)
    {
        if (_position < _limit && _span[_position] < 0x80)
        {
            value = _span[_position++];
            return true;
        }

        value = 0;
        var multiplier = 0;
        for (var i = 0; i < 4; i++)
        {
            if (_position >= _limit)
            {
                return Truncated(what);
            }

            var b = _span[_position++];
            value |= (b & 0x7F) << multiplier;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0 && IsV5)
                {
                    return Fail(ReasonCode.MalformedPacket, "MQTT-1.5.5-1", $"The {what} is a Variable Byte Integer not encoded in the minimum number of bytes.");
                }

                return true;
            }

            multiplier += 7;
        }

        return Fail(ReasonCode.MalformedPacket, Rule("MQTT-1.5.5", "MQTT-2.2.3"), $"The {what} is a Variable Byte Integer longer than four bytes.");
    }

    /// <summary>Consumes a Property Length of 0 (the common case) and returns true; otherwise reads nothing.</summary>
    public bool TryReadEmptyPropertyLength()
    {
        if (_position < _limit && _span[_position] == 0)
        {
            _position++;
            return true;
        }

        return false;
    }

    /// <summary>Binary Data (1.5.6): a two-byte length and that many bytes, as a slice of the frame.</summary>
    public bool ReadBinary(out ReadOnlyMemory<byte> value, string what)
    {
        value = default;
        if (!ReadUInt16(out var length, what))
        {
            return false;
        }

        if (_limit - _position < length)
        {
            return Truncated(what);
        }

        value = _memory.Slice(_position, length);
        _position += length;
        return true;
    }

    /// <summary>The raw bytes of a UTF-8 Encoded String, not validated.</summary>
    public bool ReadStringBytes(out ReadOnlySpan<byte> value, string what)
    {
        value = default;
        if (!ReadUInt16(out var length, what))
        {
            return false;
        }

        if (_limit - _position < length)
        {
            return Truncated(what);
        }

        value = _span.Slice(_position, length);
        _position += length;
        return true;
    }

    /// <summary>A UTF-8 Encoded String (1.5.4 in 5.0, 1.5.3 in 3.1.1): well-formed and without U+0000.</summary>
    public bool ReadString(out string value, string what)
    {
        value = string.Empty;
        if (!ReadStringBytes(out var bytes, what))
        {
            return false;
        }

        if (!ValidateUtf8(bytes, what))
        {
            return false;
        }

        value = bytes.Length == 0 ? string.Empty : Encoding.UTF8.GetString(bytes);
        return true;
    }

    public bool ValidateUtf8(ReadOnlySpan<byte> bytes, string what)
    {
        if (bytes.IndexOf((byte)0) >= 0)
        {
            return Fail(ReasonCode.MalformedPacket, Rule("MQTT-1.5.4-2", "MQTT-1.5.3-2"), $"The {what} contains the null character U+0000.");
        }

        if (!Utf8.IsValid(bytes))
        {
            return Fail(ReasonCode.MalformedPacket, Rule("MQTT-1.5.4-1", "MQTT-1.5.3-1"), $"The {what} is not well-formed UTF-8.");
        }

        return true;
    }

    /// <summary>The rest of the current limit as a slice of the frame.</summary>
    public ReadOnlyMemory<byte> ReadRest()
    {
        var rest = _memory.Slice(_position, _limit - _position);
        _position = _limit;
        return rest;
    }

    /// <summary>Restricts reads to the next <paramref name="length"/> bytes; returns the previous limit for <see cref="EndLimit"/>.</summary>
    public int BeginLimit(int length)
    {
        var previous = _limit;
        _limit = _position + length;
        return previous;
    }

    public void EndLimit(int previous) => _limit = previous;

    /// <summary>Fails when bytes are left over after the last field.</summary>
    public bool ExpectEnd(string packet)
    {
        if (_position != _limit)
        {
            return Fail(ReasonCode.MalformedPacket, Rule("MQTT-2.1.4", "MQTT-2.2.3"),
                $"The {packet} has {_limit - _position} byte(s) after its last field (remaining length too large).");
        }

        return true;
    }
}
