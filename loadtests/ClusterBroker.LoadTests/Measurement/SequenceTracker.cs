namespace ClusterBroker.LoadTests.Measurement;

/// <summary>
/// Tracks the sequence numbers seen on one stream (one publisher towards one receiver or one shared
/// group): unique messages, duplicates (a number seen before) and order violations (a number lower
/// than the highest seen so far). A bit set sized by the highest number, so memory is one bit per message.
/// </summary>
public sealed class SequenceTracker
{
    /// <summary>Sequence numbers above this are treated as corrupt rather than grown into.</summary>
    public const long MaxSequence = 1L << 32;

    private readonly Lock _gate = new();
    private ulong[] _seen = new ulong[16];
    private long _highest = -1;
    private long _unique;
    private long _duplicates;
    private long _outOfOrder;

    public long Unique { get { lock (_gate) { return _unique; } } }
    public long Duplicates { get { lock (_gate) { return _duplicates; } } }
    public long OutOfOrder { get { lock (_gate) { return _outOfOrder; } } }

    /// <summary>Records one received sequence number; returns false if it was a duplicate.</summary>
    public bool Observe(long sequence)
    {
        if (sequence is < 0 or > MaxSequence)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, "sequence outside the tracked range");
        }

        lock (_gate)
        {
            var word = (int)(sequence >> 6);
            if (word >= _seen.Length)
            {
                Array.Resize(ref _seen, Math.Max(word + 1, _seen.Length * 2));
            }

            var mask = 1UL << (int)(sequence & 63);
            if ((_seen[word] & mask) != 0)
            {
                _duplicates++;
                return false;
            }

            _seen[word] |= mask;
            _unique++;
            if (sequence < _highest)
            {
                _outOfOrder++;
            }
            else
            {
                _highest = sequence;
            }

            return true;
        }
    }
}
