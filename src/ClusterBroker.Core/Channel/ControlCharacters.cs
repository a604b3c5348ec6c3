namespace ClusterBroker.Core.Channel;

/// <summary>
/// The control characters the spec says a UTF-8 string SHOULD NOT contain (MQTT 5.0 section 1.5.4, 3.1.1
/// section 1.5.3): U+0001..U+001F and U+007F..U+009F (U+0000 is refused by the decoder in every case).
/// Refused only with <see cref="BrokerOptions.RefuseControlCharacters"/>.
/// </summary>
internal static class ControlCharacters
{
    /// <summary>The index of the first such character in <paramref name="value"/>, or -1.</summary>
    public static int IndexIn(string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
            {
                return i;
            }
        }

        return -1;
    }
}
