using System.Globalization;

namespace ClusterBroker.LoadTests.Progress;

/// <summary>One plain line per report, for redirected output (CI logs, compare runs).</summary>
public sealed class PlainProgressLog(TextWriter writer) : IProgressSink
{
    public void Report(ProgressSnapshot s) => writer.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"[{s.Elapsed:mm\\:ss}] {s.Scenario}@{s.Broker} {s.Phase}: conns {s.Connections} (failed {s.Failed}) sent {s.Sent} ({s.SentPerSecond:F0}/s) recv {s.Received} ({s.ReceivedPerSecond:F0}/s) p99 {s.P99Micros / 1000.0:F2} ms cpu runner {s.RunnerCpuPercent:F0}% broker {s.BrokerCpuPercent:F0}%"));
}
