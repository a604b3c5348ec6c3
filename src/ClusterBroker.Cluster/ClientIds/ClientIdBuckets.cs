namespace ClusterBroker.Cluster.ClientIds;

/// <summary>
/// Which registry bucket owns a ClientId: a stable hash (FNV-1a over the UTF-16 code units, the same on every
/// node and every run, unlike string.GetHashCode) modulo the bucket count. One bucket is one sharded entity.
/// </summary>
public static class ClientIdBuckets
{
    public const int Count = 64;

    public static int Of(string clientId, int bucketCount = Count)
    {
        uint hash = 2166136261;
        foreach (char c in clientId)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash % (uint)bucketCount);
    }
}
