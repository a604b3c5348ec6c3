using System.Diagnostics;
using System.Net.Sockets;
using ClusterBroker.LoadTests.Clients;
using HdrHistogram;

namespace ClusterBroker.LoadTests.Lightweight;

/// <summary>
/// Opens a plan's connections at its rate (at most Concurrency handshakes in flight), holds them open
/// with keep-alive pings for HoldSeconds, then disconnects them all. Bounded in count and time.
/// </summary>
public sealed class ConnectionSwarm
{
    private static readonly TimeSpan KeepAliveTick = TimeSpan.FromMilliseconds(500);

    private readonly SwarmPlan _plan;
    private readonly List<RawConnection> _open = [];
    private readonly Dictionary<ConnectFailure, long> _failures = [];
    private readonly LongHistogram _latency = new(1, 60_000_000, 3);
    private long _lastSuccessTimestamp;
    private long _peakOpen;
    private long _pingResponses;

    public ConnectionSwarm(SwarmPlan plan) => _plan = plan;

    public SwarmCounters Counters { get; } = new();

    public async Task<SwarmResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var keepAliveStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var keepAlive = KeepAliveLoopAsync(keepAliveStop.Token);
        try
        {
            Counters.Enter(SwarmPhase.Connecting);
            await ConnectAllAsync(started, cancellationToken);

            Counters.Enter(SwarmPhase.Holding);
            await Task.Delay(TimeSpan.FromSeconds(_plan.HoldSeconds), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stop early: still close everything and report what was reached
        }
        finally
        {
            await keepAliveStop.CancelAsync();
            await keepAlive;
            Counters.Enter(SwarmPhase.Closing);
            CloseAll();
            Counters.Enter(SwarmPhase.Done);
        }

        return BuildResult(started);
    }

    private async Task ConnectAllAsync(long started, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(_plan.Concurrency, _plan.Concurrency);
        var connectPackets = new byte[_plan.Count][];
        var timeout = TimeSpan.FromSeconds(_plan.ConnectTimeoutSeconds);
        var endpoints = _plan.Brokers.Select(b => b.ToIPEndPoint()).ToArray();
        var ticksPerClient = _plan.ConnectRate > 0 ? Stopwatch.Frequency / _plan.ConnectRate : 0;

        for (var i = 0; i < _plan.Count; i++)
        {
            var due = started + (long)(i * ticksPerClient);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            await slots.WaitAsync(cancellationToken);
            var index = _plan.FirstIndex + i;
            var settings = new ConnectSettings($"{_plan.ClientIdPrefix}{index}", _plan.Protocol, _plan.KeepAliveSeconds, _plan.CleanStart, _plan.Username, _plan.Password);
            var endpoint = endpoints[index % endpoints.Length];
            var source = _plan.SpreadSourceAddresses ? SourceAddressPool.For(index) : null;
            Counters.AddAttempt();
            _ = OpenOneAsync(endpoint, source, ControlPackets.Connect(settings), timeout, slots, cancellationToken);
        }

        // Every handshake holds a slot until it ends (each bounded by the connect timeout).
        for (var i = 0; i < _plan.Concurrency; i++)
        {
            await slots.WaitAsync(cancellationToken);
        }
    }

    private async Task OpenOneAsync(System.Net.IPEndPoint endpoint, System.Net.IPAddress? source, byte[] packet, TimeSpan timeout, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            RawConnectResult result;
            try
            {
                result = await RawConnection.OpenAsync(endpoint, source, packet, _plan.KeepAliveSeconds, timeout, cancellationToken);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TooManyOpenSockets)
            {
                result = new RawConnectResult(null, ConnectFailure.TooManyOpenFiles, 0xFF, 0);
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                result = new RawConnectResult(null, ConnectFailure.Other, 0xFF, 0);
            }

            Record(result);
        }
        catch (OperationCanceledException)
        {
            // run cancelled
        }
        finally
        {
            slots.Release();
        }
    }

    private void Record(RawConnectResult result)
    {
        lock (_open)
        {
            if (result.Connection is { } connection)
            {
                _open.Add(connection);
                _peakOpen = Math.Max(_peakOpen, _open.Count);
                _latency.RecordValue(Math.Clamp(result.LatencyTicks * 1_000_000 / Stopwatch.Frequency, 1, 60_000_000));
                _lastSuccessTimestamp = Stopwatch.GetTimestamp();
                Counters.AddConnected();
            }
            else
            {
                _failures[result.Failure] = _failures.GetValueOrDefault(result.Failure) + 1;
                Counters.AddFailed();
            }
        }
    }

    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(KeepAliveTick);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = Stopwatch.GetTimestamp();
                lock (_open)
                {
                    for (var i = _open.Count - 1; i >= 0; i--)
                    {
                        if (!_open[i].KeepAlive(now))
                        {
                            _pingResponses += _open[i].PingResponses;
                            _open[i].Dispose();
                            _open.RemoveAt(i);
                            Counters.AddDropped();
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // end of hold
        }
    }

    private void CloseAll()
    {
        lock (_open)
        {
            foreach (var connection in _open)
            {
                connection.Drain();
                _pingResponses += connection.PingResponses;
                connection.Dispose();
            }

            _open.Clear();
        }
    }

    private SwarmResult BuildResult(long started)
    {
        lock (_open)
        {
            var latencies = new List<long[]>();
            foreach (var value in _latency.RecordedValues())
            {
                latencies.Add([value.ValueIteratedTo, value.CountAddedInThisIterationStep]);
            }

            return new SwarmResult
            {
                Attempted = Counters.Attempted,
                Connected = Counters.Connected,
                Failed = Counters.Failed,
                Dropped = Counters.Dropped,
                PeakOpen = _peakOpen,
                PingResponses = _pingResponses,
                SecondsToAllConnected = _lastSuccessTimestamp == 0 ? 0 : Stopwatch.GetElapsedTime(started, _lastSuccessTimestamp).TotalSeconds,
                FailureReasons = _failures.ToDictionary(f => f.Key.ToString(), f => f.Value),
                ConnectLatencyMicros = latencies,
            };
        }
    }
}
