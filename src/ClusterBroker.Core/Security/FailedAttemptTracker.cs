using System.Collections.Concurrent;
using System.Net;

namespace ClusterBroker.Core.Security;

/// <summary>
/// Failed authentication attempts per source address: after <c>maxFailures</c> failures within <c>window</c> the
/// address is banned for <c>banDuration</c> (its CONNECTs are refused without checking credentials), so that
/// guessing passwords from one address is slow. Thread-safe; entries that no longer count are pruned as the
/// table grows, so its size follows the number of recently failing addresses.
/// </summary>
public sealed class FailedAttemptTracker
{
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly int _maxFailures;
    private readonly TimeSpan _window;
    private readonly TimeSpan _banDuration;
    private readonly TimeProvider _time;

    public FailedAttemptTracker(int maxFailures, TimeSpan window, TimeSpan banDuration, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFailures, 1);
        _maxFailures = maxFailures;
        _window = window;
        _banDuration = banDuration;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How long a ban lasts.</summary>
    public TimeSpan BanDuration => _banDuration;

    /// <summary>Addresses with failures or a ban on record.</summary>
    public int TrackedAddresses => _entries.Count;

    /// <summary>The address part of a remote end point ("192.0.2.1:50000" -> "192.0.2.1", "[::1]:5" -> "::1").</summary>
    public static string AddressOf(string remoteEndPoint) =>
        IPEndPoint.TryParse(remoteEndPoint, out IPEndPoint? endPoint) ? endPoint.Address.ToString() : remoteEndPoint;

    /// <summary>True while the address is banned; <paramref name="remaining"/> is the time left.</summary>
    public bool IsBanned(string address, out TimeSpan remaining)
    {
        remaining = TimeSpan.Zero;
        if (!_entries.TryGetValue(address, out Entry? entry))
        {
            return false;
        }

        long now = Now;
        lock (entry)
        {
            if (entry.BannedUntil > now)
            {
                remaining = TimeSpan.FromTicks(entry.BannedUntil - now);
                return true;
            }
        }

        return false;
    }

    /// <summary>Counts one failure; returns the failures in the current window and whether this one started a ban.</summary>
    public (int Failures, bool BanStarted) RecordFailure(string address)
    {
        if (_entries.Count > PruneAbove)
        {
            Prune();
        }

        long now = Now;
        Entry entry = _entries.GetOrAdd(address, static _ => new Entry());
        lock (entry)
        {
            if (entry.Failures == 0 || now - entry.WindowStart > _window.Ticks)
            {
                entry.WindowStart = now;
                entry.Failures = 0;
            }

            entry.Failures++;
            int failures = entry.Failures;
            if (failures >= _maxFailures && entry.BannedUntil <= now)
            {
                entry.BannedUntil = now + _banDuration.Ticks;
                entry.Failures = 0;
                return (failures, true);
            }

            return (failures, false);
        }
    }

    private void Prune()
    {
        long now = Now;
        foreach (KeyValuePair<string, Entry> pair in _entries)
        {
            Entry entry = pair.Value;
            lock (entry)
            {
                if (entry.BannedUntil > now || (entry.Failures > 0 && now - entry.WindowStart <= _window.Ticks))
                {
                    continue;
                }
            }

            _entries.TryRemove(pair);
        }
    }

    /// <summary>UTC ticks (the clock tests can move).</summary>
    private long Now => _time.GetUtcNow().UtcTicks;

    private sealed class Entry
    {
        public int Failures;
        public long WindowStart;
        public long BannedUntil;
    }
}
