using System.Text;

namespace ClusterBroker.Protocol.Codec;

/// <summary>Sizes of encoded fields and properties; throws for values that cannot be encoded.</summary>
internal static class EncodedSize
{
    public const int MaximumVariableByteInteger = 268_435_455;

    public static int VariableByteInteger(int value) => value switch
    {
        < 0 => throw new ArgumentOutOfRangeException(nameof(value), value, "A Variable Byte Integer cannot be negative."),
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        <= MaximumVariableByteInteger => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "A Variable Byte Integer is at most 268,435,455."),
    };

    public static int String(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        if (count > ushort.MaxValue)
        {
            throw new ArgumentException($"A UTF-8 Encoded String is at most 65,535 bytes; this one is {count}.", nameof(value));
        }

        return 2 + count;
    }

    public static int Binary(int length)
    {
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"Binary Data is at most 65,535 bytes; this is {length}.", nameof(length));
        }

        return 2 + length;
    }

    public static int Property(byte? value) => value is null ? 0 : 2;

    public static int Property(bool? value) => value is null ? 0 : 2;

    public static int Property(ushort? value) => value is null ? 0 : 3;

    public static int Property(uint? value) => value is null ? 0 : 5;

    public static int Property(string? value) => value is null ? 0 : 1 + String(value);

    public static int Property(ReadOnlyMemory<byte>? value) => value is { } v ? 1 + Binary(v.Length) : 0;

    public static int SubscriptionIdentifier(uint? value) => value is { } v ? 1 + VariableByteInteger(checked((int)v)) : 0;

    public static int UserProperties(IReadOnlyList<UserProperty>? properties)
    {
        if (properties is null)
        {
            return 0;
        }

        var size = 0;
        for (var i = 0; i < properties.Count; i++)
        {
            size += 1 + String(properties[i].Name) + String(properties[i].Value);
        }

        return size;
    }

    /// <summary>A property block: Property Length plus the properties.</summary>
    public static int PropertyBlock(int propertiesLength) => VariableByteInteger(propertiesLength) + propertiesLength;
}
