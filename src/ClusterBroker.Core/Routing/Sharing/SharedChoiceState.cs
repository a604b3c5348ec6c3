namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>
/// What a group remembers between choices at one level: the round-robin cursor and the sticky choice. Written by
/// every publishing thread without a lock: a lost cursor increment or two threads both choosing a sticky member at
/// once is harmless (both choices are valid members).
/// </summary>
public sealed class SharedChoiceState(string key)
{
    /// <summary>Names the group ("group/filter"): sticky's first choice is a hash of it, so every node makes the same one.</summary>
    public string Key { get; } = key;

    internal int Cursor = -1;

    internal string? Sticky;
}
