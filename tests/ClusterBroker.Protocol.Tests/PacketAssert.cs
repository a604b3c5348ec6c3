using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Tests;

/// <summary>
/// Structural equality for packets: records holding lists compare those lists by reference, so this
/// walks public properties, comparing lists element by element and binary data byte by byte.
/// </summary>
internal static class PacketAssert
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> s_properties = new();

    public static void Equal(MqttPacket expected, MqttPacket actual)
    {
        var difference = FindDifference(expected, actual, expected.GetType().Name);
        Assert.True(difference is null, difference);
    }

    public static string? FindDifference(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: expected {Show(expected)}, actual {Show(actual)}";
        }

        // Lists compare element by element whatever their concrete type.
        if (expected is IEnumerable expectedItems and not string && actual is IEnumerable actualItems)
        {
            var e = expectedItems.Cast<object?>().ToList();
            var a = actualItems.Cast<object?>().ToList();
            if (e.Count != a.Count)
            {
                return $"{path}: expected {e.Count} items, actual {a.Count}";
            }

            for (var i = 0; i < e.Count; i++)
            {
                var difference = FindDifference(e[i], a[i], $"{path}[{i}]");
                if (difference is not null)
                {
                    return difference;
                }
            }

            return null;
        }

        var type = expected.GetType();
        if (type != actual.GetType())
        {
            return $"{path}: expected type {type.Name}, actual {actual.GetType().Name}";
        }

        if (expected is ReadOnlyMemory<byte> expectedBytes)
        {
            var actualBytes = (ReadOnlyMemory<byte>)actual;
            return expectedBytes.Span.SequenceEqual(actualBytes.Span)
                ? null
                : $"{path}: expected bytes {Convert.ToHexString(expectedBytes.Span)}, actual {Convert.ToHexString(actualBytes.Span)}";
        }

        if (type.IsPrimitive || type.IsEnum || expected is string)
        {
            return expected.Equals(actual) ? null : $"{path}: expected {Show(expected)}, actual {Show(actual)}";
        }

        foreach (var property in s_properties.GetOrAdd(type, static t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray()))
        {
            var difference = FindDifference(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
            if (difference is not null)
            {
                return difference;
            }
        }

        return null;
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? string.Empty,
    };
}
