using System.Buffers.Binary;
using System.Text;

namespace ClusterBroker.Protocol.Codec;

/// <summary>Writes the data representations of section 1.5 into a span sized in advance by <see cref="EncodedSize"/>.</summary>
internal ref struct MqttWriter
{
    private readonly Span<byte> _span;
    private int _position;

    public MqttWriter(Span<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteByte(byte value) => _span[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_span.Slice(_position, 2), value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_span.Slice(_position, 4), value);
        _position += 4;
    }

    public void WriteVariableByteInteger(int value)
    {
        var v = (uint)value;
        do
        {
            var b = (byte)(v & 0x7F);
            v >>= 7;
            if (v != 0)
            {
                b |= 0x80;
            }

            _span[_position++] = b;
        }
        while (v != 0);
    }

    /// <summary>A UTF-8 Encoded String: two-byte length, then the bytes (the size pass checked the 65,535-byte limit).</summary>
    public void WriteString(string value)
    {
        var written = Encoding.UTF8.GetBytes(value, _span.Slice(_position + 2));
        BinaryPrimitives.WriteUInt16BigEndian(_span.Slice(_position, 2), (ushort)written);
        _position += 2 + written;
    }

    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        WriteUInt16((ushort)value.Length);
        WriteBytes(value);
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_span.Slice(_position));
        _position += value.Length;
    }

    // Properties: identifier then value.
    public void WriteProperty(PropertyId id, byte? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteByte(v);
        }
    }

    public void WriteProperty(PropertyId id, bool? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteByte(v ? (byte)1 : (byte)0);
        }
    }

    public void WriteProperty(PropertyId id, ushort? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteUInt16(v);
        }
    }

    public void WriteProperty(PropertyId id, uint? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteUInt32(v);
        }
    }

    public void WriteProperty(PropertyId id, string? value)
    {
        if (value is not null)
        {
            WriteByte((byte)id);
            WriteString(value);
        }
    }

    public void WriteProperty(PropertyId id, ReadOnlyMemory<byte>? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteBinary(v.Span);
        }
    }

    public void WriteUserProperties(IReadOnlyList<UserProperty>? properties)
    {
        if (properties is null)
        {
            return;
        }

        for (var i = 0; i < properties.Count; i++)
        {
            WriteByte((byte)PropertyId.UserProperty);
            WriteString(properties[i].Name);
            WriteString(properties[i].Value);
        }
    }

    public void WriteSubscriptionIdentifier(uint? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)PropertyId.SubscriptionIdentifier);
            WriteVariableByteInteger((int)v);
        }
    }
}
