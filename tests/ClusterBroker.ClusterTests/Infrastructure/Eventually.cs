namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// Polls a condition over several sources (e.g. the members of a shared group) until it holds or
/// its deadline passes; a wait for a condition, never a fixed sleep.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>True once the condition holds; false when the deadline passed first (the caller then asserts what it has).</summary>
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? Timeouts.Default);
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(PollInterval);
        }
        return true;
    }

    public static async Task AssertAsync(Func<bool> condition, Func<string> describeFailure, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? Timeouts.Default;
        DateTime deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new Xunit.Sdk.XunitException($"Not within {limit.TotalSeconds:0} s: {describeFailure()}");
            }
            await Task.Delay(PollInterval);
        }
    }
}
