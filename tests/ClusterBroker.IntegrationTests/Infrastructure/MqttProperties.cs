using System.Text;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>MQTT 5.0 properties decoded by hand (section 2.2.2.2); values are kept as raw numbers, strings or bytes.</summary>
public sealed class MqttProperties
{
    public static readonly MqttProperties Empty = new([]);

    // identifiers, section 2.2.2.2
    public const byte PayloadFormatIndicator = 0x01, MessageExpiryInterval = 0x02, ContentType = 0x03, ResponseTopic = 0x08,
        CorrelationData = 0x09, SubscriptionIdentifier = 0x0B, SessionExpiryInterval = 0x11, AssignedClientIdentifier = 0x12,
        ServerKeepAlive = 0x13, AuthenticationMethod = 0x15, AuthenticationData = 0x16, RequestProblemInformation = 0x17,
        WillDelayInterval = 0x18, RequestResponseInformation = 0x19, ResponseInformation = 0x1A, ServerReference = 0x1C,
        ReasonString = 0x1F, ReceiveMaximum = 0x21, TopicAliasMaximum = 0x22, TopicAlias = 0x23, MaximumQos = 0x24,
        RetainAvailable = 0x25, UserProperty = 0x26, MaximumPacketSize = 0x27, WildcardSubscriptionAvailable = 0x28,
        SubscriptionIdentifierAvailable = 0x29, SharedSubscriptionAvailable = 0x2A;

    private readonly List<(byte Id, object Value)> _items;

    private MqttProperties(List<(byte Id, object Value)> items) => _items = items;

    public IReadOnlyList<(byte Id, object Value)> Items => _items;

    public bool Has(byte id) => _items.Exists(i => i.Id == id);

    public uint? Number(byte id) => _items.Find(i => i.Id == id) is { Value: uint v } ? v : null;

    public string? Text(byte id) => _items.Find(i => i.Id == id) is { Value: string s } ? s : null;

    public byte[]? Binary(byte id) => _items.Find(i => i.Id == id) is { Value: byte[] b } ? b : null;

    public IEnumerable<uint> Numbers(byte id) => _items.Where(i => i.Id == id).Select(i => (uint)i.Value);

    public IEnumerable<(string Name, string Value)> UserProperties =>
        _items.Where(i => i.Id == UserProperty).Select(i => ((string, string))i.Value);

    /// <summary>Reads a property length (variable byte integer) and the properties after it.</summary>
    public static MqttProperties Read(byte[] buffer, int offset, out int end)
    {
        var length = ReadVarInt(buffer, ref offset);
        end = offset + length;
        var items = new List<(byte, object)>();
        while (offset < end)
        {
            var id = buffer[offset++];
            object value;
            switch (id)
            {
                case PayloadFormatIndicator or RequestProblemInformation or RequestResponseInformation or MaximumQos
                    or RetainAvailable or WildcardSubscriptionAvailable or SubscriptionIdentifierAvailable or SharedSubscriptionAvailable:
                    value = (uint)buffer[offset++];
                    break;
                case ServerKeepAlive or ReceiveMaximum or TopicAliasMaximum or TopicAlias:
                    value = (uint)((buffer[offset] << 8) | buffer[offset + 1]);
                    offset += 2;
                    break;
                case MessageExpiryInterval or SessionExpiryInterval or WillDelayInterval or MaximumPacketSize:
                    value = (uint)((buffer[offset] << 24) | (buffer[offset + 1] << 16) | (buffer[offset + 2] << 8) | buffer[offset + 3]);
                    offset += 4;
                    break;
                case SubscriptionIdentifier:
                    value = (uint)ReadVarInt(buffer, ref offset);
                    break;
                case ContentType or ResponseTopic or AssignedClientIdentifier or AuthenticationMethod or ResponseInformation
                    or ServerReference or ReasonString:
                    value = ReadString(buffer, ref offset);
                    break;
                case CorrelationData or AuthenticationData:
                    var n = (buffer[offset] << 8) | buffer[offset + 1];
                    value = buffer[(offset + 2)..(offset + 2 + n)];
                    offset += 2 + n;
                    break;
                case UserProperty:
                    var name = ReadString(buffer, ref offset);
                    value = (name, ReadString(buffer, ref offset));
                    break;
                default:
                    throw new InvalidDataException($"unknown property 0x{id:x2} in [{Convert.ToHexString(buffer)}]");
            }
            items.Add((id, value));
        }
        return new MqttProperties(items);
    }

    private static string ReadString(byte[] buffer, ref int offset)
    {
        var n = (buffer[offset] << 8) | buffer[offset + 1];
        var s = Encoding.UTF8.GetString(buffer, offset + 2, n);
        offset += 2 + n;
        return s;
    }

    public static int ReadVarInt(byte[] buffer, ref int offset)
    {
        int value = 0, shift = 0;
        byte b;
        do
        {
            b = buffer[offset++];
            value |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        return value;
    }
}
