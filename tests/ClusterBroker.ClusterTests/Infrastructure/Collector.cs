namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// Items in arrival order (messages, log lines) that a test awaits a condition on: every arrival
/// wakes the waiters, and every wait has a deadline. Thread-safe.
/// </summary>
public sealed class Collector<T>
{
    private readonly object _gate = new();
    private readonly List<T> _items = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    /// <summary>Waits until the items satisfy the condition; false when the timeout passed first.</summary>
    public async Task<bool> TryWaitUntilAsync(Func<IReadOnlyList<T>, bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
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
                return true;
            }
            TimeSpan remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                return false;
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

    /// <summary>Waits until the items satisfy the condition; fails with what arrived when the timeout passes.</summary>
    public async Task<IReadOnlyList<T>> WaitUntilAsync(Func<IReadOnlyList<T>, bool> condition, string description, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? Timeouts.Default;
        if (!await TryWaitUntilAsync(condition, limit))
        {
            IReadOnlyList<T> seen = Snapshot();
            throw new Xunit.Sdk.XunitException(
                $"Timed out after {limit.TotalSeconds:0.#} s waiting for {description}; {seen.Count} item(s) arrived, the last ones: {string.Join(" | ", seen.TakeLast(30))}");
        }
        return Snapshot();
    }

    /// <summary>Waits for the first item matching the predicate and returns it.</summary>
    public async Task<T> WaitForAsync(Func<T, bool> predicate, string description, TimeSpan? timeout = null)
    {
        IReadOnlyList<T> items = await WaitUntilAsync(list => list.Any(predicate), description, timeout);
        return items.First(predicate);
    }
}
