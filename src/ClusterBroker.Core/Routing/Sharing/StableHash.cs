namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>
/// FNV-1a over UTF-16 code units: the same value in every process (string.GetHashCode is randomised per process,
/// and every node of a cluster must make the same choice for the same publisher or topic).
/// </summary>
public static class StableHash
{
    private const uint Prime = 16_777_619;

    public static uint Of(string? text, uint seed)
    {
        uint hash = 2_166_136_261 ^ seed;
        if (text is null)
        {
            return hash;
        }

        foreach (char c in text)
        {
            hash = (hash ^ (byte)c) * Prime;
            hash = (hash ^ (byte)(c >> 8)) * Prime;
        }

        // FNV's low bits mix poorly for short keys that differ in their last character: finish with a murmur-style avalanche.
        hash ^= hash >> 16;
        hash *= 0x85EB_CA6B;
        hash ^= hash >> 13;
        hash *= 0xC2B2_AE35;
        hash ^= hash >> 16;
        return hash;
    }

    /// <summary>A seed per level, so the node and member choices are independent.</summary>
    public static uint Seed(ChoiceLevel level) => level == ChoiceLevel.Node ? 0u : 0x9E37_79B9u;
}
