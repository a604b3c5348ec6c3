namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// Collects items in arrival order and lets a test await a condition on them (signalled on every
/// arrival, bounded by a timeout) instead of sleeping.
/// </summary>
public sealed class MessageCollector<T>
{
    private readonly object _gate = new();
    private readonly List<T> _items = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Add(T item)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _items.Add(item);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Waits until the items satisfy the condition; fails with the items seen on timeout.</summary>
    public async Task<IReadOnlyList<T>> WaitUntilAsync(Func<IReadOnlyList<T>, bool> condition, string description, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestTimeouts.Default);
        while (true)
        {
            Task changed;
            IReadOnlyList<T> snapshot;
            lock (_gate)
            {
                snapshot = [.. _items];
                changed = _changed.Task;
            }
            if (condition(snapshot))
            {
                return snapshot;
            }
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new Xunit.Sdk.XunitException($"timed out waiting for {description}; received {snapshot.Count}: {string.Join(" | ", snapshot.Take(50))}");
            }
            try
            {
                await changed.WaitAsync(remaining);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    public Task<IReadOnlyList<T>> WaitForCountAsync(int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(items => items.Count >= count, $"{count} item(s)", timeout);

    /// <summary>Waits for the first item matching the predicate and returns it.</summary>
    public async Task<T> WaitForAsync(Func<T, bool> predicate, string description, TimeSpan? timeout = null)
    {
        var items = await WaitUntilAsync(list => list.Any(predicate), description, timeout);
        return items.First(predicate);
    }
}
