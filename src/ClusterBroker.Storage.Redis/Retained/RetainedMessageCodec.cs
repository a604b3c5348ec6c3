using System.Buffers.Binary;
using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>
/// The binary encoding of a retained message in Redis (our own, versioned; big-endian throughout).
/// </summary>
/// <remarks>
/// <code>
/// offset 0   format version       1 byte   (1)
///        1   expires at           8 bytes  Unix milliseconds, 0 = never (absolute, so it means the same on every node)
///        9   QoS                  1 byte
///       10   present fields       1 byte   bit 0 payload format indicator, 1 content type, 2 response topic,
///                                          3 correlation data, 4 user properties, 5 publisher id, 6 identity
///       11   payload format ind.  1 byte   (0 when absent)
///       12   topic                string
///            content type         string   when bit 1
///            response topic       string   when bit 2
///            correlation data     bytes    when bit 3
///            user properties      4-byte count, then name string, value string each, when bit 4
///            publisher id         string   when bit 5
///            identity             8 bytes  when bit 6 (BrokerMessage.Id: queued and journaled copies; never retained ones)
///            payload              bytes
/// string = 4-byte length + UTF-8; bytes = 4-byte length + bytes.
/// </code>
/// The first <see cref="HeaderLength"/> bytes (format and expiry) are what the expiry sweep compares in Redis
/// before deleting, so they stay at this place in every later format. A value of another format version, or
/// one that is cut short or runs over, does not decode (<see cref="TryDecode"/> returns false): readers skip it
/// and log the key.
/// </remarks>
internal static class RetainedMessageCodec
{
    public const byte FormatVersion = 1;

    /// <summary>Format version and expiry: the prefix the expiry sweep compares.</summary>
    public const int HeaderLength = 9;

    private const byte HasPayloadFormat = 1;
    private const byte HasContentType = 2;
    private const byte HasResponseTopic = 4;
    private const byte HasCorrelationData = 8;
    private const byte HasUserProperties = 16;
    private const byte HasPublisherId = 32;
    private const byte HasId = 64;
    private const byte KnownFlags = 127;

    public static byte[] Encode(BrokerMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        byte flags = 0;
        int size = 12 + StringSize(message.Topic) + 4 + message.Payload.Length;
        if (message.PayloadFormatIndicator is not null)
        {
            flags |= HasPayloadFormat;
        }

        if (message.ContentType is { } contentType)
        {
            flags |= HasContentType;
            size += StringSize(contentType);
        }

        if (message.ResponseTopic is { } responseTopic)
        {
            flags |= HasResponseTopic;
            size += StringSize(responseTopic);
        }

        if (message.CorrelationData is { } correlation)
        {
            flags |= HasCorrelationData;
            size += 4 + correlation.Length;
        }

        if (message.UserProperties is { Count: > 0 } properties)
        {
            flags |= HasUserProperties;
            size += 4;
            foreach (UserProperty property in properties)
            {
                size += StringSize(property.Name) + StringSize(property.Value);
            }
        }

        if (message.PublisherId is { } publisher)
        {
            flags |= HasPublisherId;
            size += StringSize(publisher);
        }

        if (message.Id != 0)
        {
            flags |= HasId;
            size += 8;
        }

        byte[] buffer = new byte[size];
        Span<byte> span = buffer;
        span[0] = FormatVersion;
        BinaryPrimitives.WriteInt64BigEndian(span[1..], message.ExpiresAtUnixMs);
        span[9] = (byte)message.QoS;
        span[10] = flags;
        span[11] = message.PayloadFormatIndicator ?? 0;
        int offset = 12;
        WriteString(span, ref offset, message.Topic);
        if (message.ContentType is { } ct)
        {
            WriteString(span, ref offset, ct);
        }

        if (message.ResponseTopic is { } rt)
        {
            WriteString(span, ref offset, rt);
        }

        if (message.CorrelationData is { } cd)
        {
            WriteBytes(span, ref offset, cd.Span);
        }

        if (message.UserProperties is { Count: > 0 } ups)
        {
            BinaryPrimitives.WriteInt32BigEndian(span[offset..], ups.Count);
            offset += 4;
            foreach (UserProperty property in ups)
            {
                WriteString(span, ref offset, property.Name);
                WriteString(span, ref offset, property.Value);
            }
        }

        if (message.PublisherId is { } pid)
        {
            WriteString(span, ref offset, pid);
        }

        if (message.Id != 0)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[offset..], message.Id);
            offset += 8;
        }

        WriteBytes(span, ref offset, message.Payload.Span);
        return buffer;
    }

    /// <summary>The format-and-expiry prefix a value of this expiry starts with (what the expiry sweep compares).</summary>
    public static byte[] Header(long expiresAtUnixMs)
    {
        byte[] header = new byte[HeaderLength];
        header[0] = FormatVersion;
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(1), expiresAtUnixMs);
        return header;
    }

    /// <summary>Reads the header only: false when the value is of another format or too short.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> value, out long expiresAtUnixMs)
    {
        expiresAtUnixMs = 0;
        if (value.Length < HeaderLength || value[0] != FormatVersion)
        {
            return false;
        }

        expiresAtUnixMs = BinaryPrimitives.ReadInt64BigEndian(value[1..]);
        return true;
    }

    /// <summary>
    /// Decodes a value; the payload and correlation data are slices of <paramref name="value"/> (not copied).
    /// False, with the reason, when it is not a value of this format.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> value, out BrokerMessage? message, out string? error)
    {
        message = null;
        error = null;
        ReadOnlySpan<byte> span = value.Span;
        if (span.Length < 12 + 4 + 4)
        {
            error = $"{span.Length} bytes is shorter than any encoded message";
            return false;
        }

        if (span[0] != FormatVersion)
        {
            error = $"format version {span[0]} is not {FormatVersion}";
            return false;
        }

        long expiresAt = BinaryPrimitives.ReadInt64BigEndian(span[1..]);
        byte qos = span[9];
        byte flags = span[10];
        if (qos > 2 || (flags & ~KnownFlags) != 0 || expiresAt < 0)
        {
            error = $"QoS {qos}, flags 0x{flags:X2} or expiry {expiresAt} is out of range";
            return false;
        }

        int offset = 12;
        if (!TryReadString(span, ref offset, out string? topic) || topic.Length == 0)
        {
            error = "the topic runs past the end";
            return false;
        }

        string? contentType = null;
        string? responseTopic = null;
        ReadOnlyMemory<byte>? correlation = null;
        List<UserProperty>? properties = null;
        string? publisher = null;
        if ((flags & HasContentType) != 0 && !TryReadString(span, ref offset, out contentType))
        {
            error = "the content type runs past the end";
            return false;
        }

        if ((flags & HasResponseTopic) != 0 && !TryReadString(span, ref offset, out responseTopic))
        {
            error = "the response topic runs past the end";
            return false;
        }

        if ((flags & HasCorrelationData) != 0)
        {
            if (!TryReadBytes(value, ref offset, out ReadOnlyMemory<byte> data))
            {
                error = "the correlation data runs past the end";
                return false;
            }

            correlation = data;
        }

        if ((flags & HasUserProperties) != 0)
        {
            if (offset + 4 > span.Length)
            {
                error = "the user properties run past the end";
                return false;
            }

            int count = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
            offset += 4;
            if (count < 0 || count > (span.Length - offset) / 8)
            {
                error = $"user property count {count} is out of range";
                return false;
            }

            properties = new List<UserProperty>(count);
            for (int i = 0; i < count; i++)
            {
                if (!TryReadString(span, ref offset, out string? name) || !TryReadString(span, ref offset, out string? propertyValue))
                {
                    error = "a user property runs past the end";
                    return false;
                }

                properties.Add(new UserProperty(name, propertyValue));
            }
        }

        if ((flags & HasPublisherId) != 0 && !TryReadString(span, ref offset, out publisher))
        {
            error = "the publisher id runs past the end";
            return false;
        }

        ulong id = 0;
        if ((flags & HasId) != 0)
        {
            if (offset + 8 > span.Length)
            {
                error = "the identity runs past the end";
                return false;
            }

            id = BinaryPrimitives.ReadUInt64BigEndian(span[offset..]);
            offset += 8;
        }

        if (!TryReadBytes(value, ref offset, out ReadOnlyMemory<byte> payload) || offset != span.Length)
        {
            error = "the payload does not end where the value does";
            return false;
        }

        message = new BrokerMessage
        {
            Topic = topic,
            Payload = payload,
            QoS = (QualityOfService)qos,
            Retain = true,
            PublisherId = publisher,
            ExpiresAtUnixMs = expiresAt,
            PayloadFormatIndicator = (flags & HasPayloadFormat) != 0 ? span[11] : null,
            ContentType = contentType,
            ResponseTopic = responseTopic,
            CorrelationData = correlation,
            UserProperties = properties,
            Id = id,
        };
        return true;
    }

    private static int StringSize(string value) => 4 + Encoding.UTF8.GetByteCount(value);

    private static void WriteString(Span<byte> span, ref int offset, string value)
    {
        int length = Encoding.UTF8.GetBytes(value, span[(offset + 4)..]);
        BinaryPrimitives.WriteInt32BigEndian(span[offset..], length);
        offset += 4 + length;
    }

    private static void WriteBytes(Span<byte> span, ref int offset, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span[offset..], value.Length);
        value.CopyTo(span[(offset + 4)..]);
        offset += 4 + value.Length;
    }

    private static bool TryReadString(ReadOnlySpan<byte> span, ref int offset, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = null;
        if (offset + 4 > span.Length)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
        if (length < 0 || length > span.Length - offset - 4)
        {
            return false;
        }

        try
        {
            value = s_strictUtf8.GetString(span.Slice(offset + 4, length));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        offset += 4 + length;
        return true;
    }

    private static bool TryReadBytes(ReadOnlyMemory<byte> memory, ref int offset, out ReadOnlyMemory<byte> value)
    {
        value = default;
        ReadOnlySpan<byte> span = memory.Span;
        if (offset + 4 > span.Length)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
        if (length < 0 || length > span.Length - offset - 4)
        {
            return false;
        }

        value = memory.Slice(offset + 4, length);
        offset += 4 + length;
        return true;
    }

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
