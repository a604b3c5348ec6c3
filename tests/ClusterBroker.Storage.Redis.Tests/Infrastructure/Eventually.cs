namespace ClusterBroker.Storage.Redis.Tests.Infrastructure;

/// <summary>Awaits a condition until a deadline (never a fixed sleep as synchronisation).</summary>
public static class Eventually
{
    public static async Task AssertAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TestTimeouts.Default);
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail("timed out waiting until " + because);
            }

            await Task.Delay(20);
        }
    }

    public static async Task AssertAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TestTimeouts.Default);
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail("timed out waiting until " + because);
            }

            await Task.Delay(50);
        }
    }
}
