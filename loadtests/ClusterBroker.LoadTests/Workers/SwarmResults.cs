using ClusterBroker.LoadTests.Lightweight;

namespace ClusterBroker.LoadTests.Workers;

/// <summary>Merges the results of several swarms (one per worker) into one.</summary>
public static class SwarmResults
{
    public static SwarmResult Merge(IReadOnlyList<SwarmResult> results)
    {
        if (results.Count == 1)
        {
            return results[0];
        }

        var reasons = new Dictionary<string, long>();
        var latencies = new List<long[]>();
        foreach (var result in results)
        {
            foreach (var (reason, count) in result.FailureReasons)
            {
                reasons[reason] = reasons.GetValueOrDefault(reason) + count;
            }

            latencies.AddRange(result.ConnectLatencyMicros);
        }

        return new SwarmResult
        {
            Attempted = results.Sum(r => r.Attempted),
            Connected = results.Sum(r => r.Connected),
            Failed = results.Sum(r => r.Failed),
            Dropped = results.Sum(r => r.Dropped),
            PeakOpen = results.Sum(r => r.PeakOpen),
            PingResponses = results.Sum(r => r.PingResponses),
            SecondsToAllConnected = results.Max(r => r.SecondsToAllConnected),
            FailureReasons = reasons,
            ConnectLatencyMicros = latencies,
        };
    }
}
