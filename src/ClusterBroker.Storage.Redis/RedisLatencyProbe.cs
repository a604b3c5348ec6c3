using ClusterBroker.Core;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis;

/// <summary>
/// Measures the round trip to Redis with a PING at start and then every <see cref="Interval"/>, into a histogram,
/// and counts the PINGs that failed (Redis unreachable or slower than the operation timeout). A PING, not the
/// stores' own commands, so the figure means the same whatever the stores do, and nothing is added to them.
/// The multiplexer queues the PING with every other command, so a busy connection shows in it too.
/// </summary>
public sealed class RedisLatencyProbe : IAsyncDisposable
{
    /// <summary>Often enough for a 15 s scrape interval to see a few, rarely enough to cost Redis nothing.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly RedisConnection _connection;
    private readonly IHistogram _roundTrips;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _failures;

    private RedisLatencyProbe(RedisConnection connection, IHistogram roundTrips)
    {
        _connection = connection;
        _roundTrips = roundTrips;
        _loop = RunAsync();
    }

    /// <summary>PINGs that failed or timed out.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public static RedisLatencyProbe Start(RedisConnection connection, IHistogram roundTrips)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(roundTrips);
        return new RedisLatencyProbe(connection, roundTrips);
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                await PingOnceAsync().ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // stopped
        }
    }

    private async Task PingOnceAsync()
    {
        try
        {
            TimeSpan roundTrip = await _connection.Multiplexer.GetDatabase().PingAsync().ConfigureAwait(false);
            _roundTrips.Observe(roundTrip.TotalSeconds);
        }
        catch (RedisException)
        {
            Interlocked.Increment(ref _failures);
        }
        catch (TimeoutException)
        {
            Interlocked.Increment(ref _failures);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
