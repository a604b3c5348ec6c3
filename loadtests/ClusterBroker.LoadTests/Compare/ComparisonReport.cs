using System.Diagnostics;
using System.Text;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>The body of the "## Comparison" section: when, where, how, the table and its notes.</summary>
public static class ComparisonReport
{
    public static string Render(ComparisonTable table, IReadOnlyList<ComparisonStep> steps, string command, TimeSpan elapsed, string loadAverageAtStart)
    {
        var md = new StringBuilder();
        md.AppendLine($"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {MachineInfo.Describe()}; the whole comparison took {elapsed.TotalMinutes:0.0} min.");
        md.AppendLine($"Load average (1/5/15 min) at start {loadAverageAtStart}, at end {MachineInfo.LoadAverage()}: anything above the comparison's own load means other work shared the two cores, which inflates latencies.");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(command);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine($"Brokers, one after the other on the same machine, each on a free loopback port: ClusterBroker (Release build), {MosquittoVersion()} (Debian package, own config), MQTTnet server 5.2.0 (loadtests/ClusterBroker.PeerBroker, defaults).");
        md.AppendLine("Ratios are ClusterBroker / other: above 1 is better for rates, below 1 is better for latency, memory and times. CPU is percent of one core (the machine has two; the runner shares them).");
        md.AppendLine("Lost means accepted by the broker (PUBACK for QoS 1) and never delivered by the end of the drain, counted per publisher and sequence number. Every broker runs with its defaults, which bound what it queues per subscriber (mosquitto: max_queued_messages 1000; MQTTnet server: 250 pending, oldest dropped; ClusterBroker: MaxQueuedMessagesPerSession 1000, oldest dropped): a subscriber stalled by a busy machine overflows them.");
        md.AppendLine("Memory per connection is the growth of the broker's RSS from before the connect ramp to the hold, divided by the connections open. Per-run reports (Markdown, HTML with charts, JSON) are written to loadtests/reports/.");
        md.AppendLine();
        md.AppendLine($"Before its scenarios, each broker gets an unmeasured {ComparisonPlan.WarmUp().Title}: it warms the broker and the runner alike (the runner is a .NET process whose own JIT warm-up would otherwise penalise whichever broker is measured first).");
        md.AppendLine();
        md.AppendLine("Scenarios:");
        md.AppendLine();
        foreach (var step in steps)
        {
            md.AppendLine($"- {step.Title}");
        }

        md.AppendLine();
        md.Append(table.ToMarkdown());
        var notes = table.Notes();
        if (notes.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("Notes:");
            md.AppendLine();
            foreach (var note in notes)
            {
                md.AppendLine($"- {note}");
            }
        }

        return md.ToString();
    }

    private static string MosquittoVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Brokers.Executable.Find("mosquitto") ?? "mosquitto", "-h") { RedirectStandardOutput = true, UseShellExecute = false });
            var first = process?.StandardOutput.ReadLine();
            process?.WaitForExit(5000);
            return first?.Replace("mosquitto version", "Mosquitto", StringComparison.Ordinal).Trim() ?? "Mosquitto";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "Mosquitto";
        }
    }
}
