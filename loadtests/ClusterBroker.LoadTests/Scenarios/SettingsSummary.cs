using System.Globalization;
using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>The settings of a run as name/value text, for reports.</summary>
public static class SettingsSummary
{
    public static IReadOnlyDictionary<string, string> Describe(RunSettings s)
    {
        var c = CultureInfo.InvariantCulture;
        return new Dictionary<string, string>
        {
            ["brokers"] = string.Join(", ", s.Brokers),
            ["p2p placement"] = s.Brokers.Count < 2 ? "one endpoint" : s.CrossNode ?? true ? "cross-node" : "same node",
            ["route wait"] = s.RouteWaitSeconds > 0 ? $"probes, up to {s.RouteWaitSeconds.ToString(c)} s" : "none",
            ["protocol"] = s.Protocol == MqttProtocol.V500 ? "5.0" : "3.1.1",
            ["qos"] = s.Qos.ToString(c),
            ["payload"] = $"{s.PayloadBytes.ToString(c)} B",
            ["topic length"] = s.TopicLength > 0 ? $"about {s.TopicLength.ToString(c)} characters" : "as is",
            ["topic alias maximum"] = s.TopicAliasMaximum.ToString(c),
            ["clients"] = s.Clients.ToString(c),
            ["publishers"] = s.Publishers?.ToString(c) ?? "default",
            ["subscribers"] = s.Subscribers?.ToString(c) ?? "default",
            ["rate"] = s.Rate > 0 ? $"{s.Rate.ToString(c)} msg/s {(s.RateScope == RateScope.Total ? "total" : "per publisher")}" : $"max (inflight {s.Inflight.ToString(c)})",
            ["ramp"] = $"{s.RampSeconds.ToString(c)} s",
            ["stagger"] = s.Stagger ? "yes" : "no",
            ["warm-up"] = $"{s.WarmupSeconds.ToString(c)} s",
            ["duration"] = $"{s.DurationSeconds.ToString(c)} s",
            ["keep alive"] = $"{s.KeepAliveSeconds.ToString(c)} s",
            ["clean start"] = s.CleanStart ? "yes" : "no",
            ["wildcard"] = s.Wildcard ? "yes" : "no",
            ["socket buffers"] = $"{(s.SocketBufferBytes / 1024).ToString(c)} KiB",
            ["slow subscriber delay"] = $"{s.SlowSubscriberDelayMs.ToString(c)} ms",
            ["broker pids"] = s.BrokerPids.Count == 0 ? "none" : string.Join(", ", s.BrokerPids),
        };
    }
}
