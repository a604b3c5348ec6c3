using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Reporting;

/// <summary>Turns a result into the rows every report shows, so terminal, Markdown and HTML agree.</summary>
public static class ResultFigures
{
    public static IReadOnlyList<FigureRow> Rows(ScenarioResult r)
    {
        var rows = new List<FigureRow>();
        if (r.Connect is { } c)
        {
            rows.Add(new("connections", "attempted / connected / failed", $"{Units.Count(c.Attempted)} / {Units.Count(c.Connected)} / {Units.Count(c.Failed)}"));
            rows.Add(new("connections", "dropped by broker while held", Units.Count(c.Dropped)));
            rows.Add(new("connections", "keep-alive ping responses", Units.Count(c.PingResponses)));
            rows.Add(new("connections", "connect rate", Units.Rate(c.ConnectRate)));
            rows.Add(new("connections", "time to all connected", Units.Seconds(c.SecondsToAllConnected)));
            rows.Add(new("connections", "CONNECT to CONNACK p50 / p99 / max", $"{Units.Millis(c.ConnectLatency.P50)} / {Units.Millis(c.ConnectLatency.P99)} / {Units.Millis(c.ConnectLatency.Max)}"));
            rows.Add(new("connections", "broker memory per connection", c.MemoryPerConnectionBytes is { } m ? Units.Bytes(m) : "n/a (no --pid)"));
            if (c.BrokerRssBeforeBytes is { } before && c.BrokerRssHoldingBytes is { } holding)
            {
                rows.Add(new("connections", "broker RSS before / holding", $"{Units.Bytes(before)} / {Units.Bytes(holding)}"));
            }

            if (c.Workers > 0)
            {
                rows.Add(new("connections", "worker processes", Units.Count(c.Workers)));
            }

            foreach (var (reason, count) in c.FailureReasons)
            {
                rows.Add(new("connections", $"failures: {reason}", Units.Count(count)));
            }
        }
        else
        {
            var d = r.Delivery;
            rows.Add(new("messages", "publishers / subscribers", $"{r.Publishers} / {r.Subscribers}"));
            rows.Add(new("messages", "sent (accepted by broker)", Units.Count(r.Sent)));
            rows.Add(new("messages", "expected deliveries", Units.Count(d.Expected)));
            rows.Add(new("messages", "delivered (unique)", Units.Count(d.Unique)));
            rows.Add(new("messages", "lost", $"{Units.Count(d.Lost)} ({Units.Ratio(d.LossRatio)})"));
            rows.Add(new("messages", "duplicates", Units.Count(d.Duplicates)));
            rows.Add(new("messages", "out of order", Units.Count(d.OutOfOrder)));
            rows.Add(new("messages", "misrouted / foreign", $"{Units.Count(d.Misrouted)} / {Units.Count(d.Foreign)}"));
            rows.Add(new("messages", "publish failures", Units.Count(r.PublishFailures)));
            if (r.SubscribersPerBroker.Count > 1)
            {
                rows.Add(new("messages", "publishers / subscribers per node", string.Join(" | ", r.PublishersPerBroker.Zip(r.SubscribersPerBroker, (p, s) => $"{p} / {s}"))));
                rows.Add(new("messages", "delivered per node (subscribers' node)", string.Join(" / ", r.DeliveriesPerBroker.Select(d => Units.Count(d)))));
            }

            if (r.ProbesSent > 0)
            {
                rows.Add(new("messages", "route probes / time until all arrived", $"{Units.Count(r.ProbesSent)} / {Units.Seconds(r.RouteWaitSeconds)}"));
            }
            if (r.DeliveriesPerMember.Count > 0)
            {
                rows.Add(new("messages", "deliveries per group member", string.Join(" / ", r.DeliveriesPerMember.Select(m => Units.Count(m)))));
            }

            rows.Add(new("throughput", "sent (measured window)", Units.Rate(r.SendRate)));
            rows.Add(new("throughput", "delivered (measured window)", Units.Rate(r.ReceiveRate)));
            rows.Add(new("throughput", "measured window", Units.Seconds(r.MeasuredSeconds)));
            if (r.Retained is { } t)
            {
                rows.Add(new("retained", "retained messages / subscribers / complete", $"{t.RetainedMessages} / {t.Subscribers} / {t.SubscribersComplete}"));
                if (t.PublishSeconds > 0)
                {
                    rows.Add(new("retained", "publishing the set (until all acknowledged)", $"{Units.Seconds(t.PublishSeconds)} ({Units.Rate(t.PublishRate)})"));
                }

                rows.Add(new("retained", "time until every subscriber had all", Units.Seconds(t.SecondsToAll)));
                rows.Add(new("retained", "per subscriber p50 / p99 / max", $"{Units.Millis(t.TimeToAllPerSubscriber.P50)} / {Units.Millis(t.TimeToAllPerSubscriber.P99)} / {Units.Millis(t.TimeToAllPerSubscriber.Max)}"));
            }
            else
            {
                var l = r.Latency;
                rows.Add(new("latency", "end to end p50 / p90", $"{Units.Millis(l.P50)} / {Units.Millis(l.P90)}"));
                rows.Add(new("latency", "end to end p99 / p99.9 / max", $"{Units.Millis(l.P99)} / {Units.Millis(l.P999)} / {Units.Millis(l.Max)}"));
                rows.Add(new("latency", "samples", Units.Count(l.Count)));
            }
        }

        rows.Add(new("resources", "CPU runner / broker (of one core)", $"{Units.Percent(r.RunnerCpuPercent)} / {Units.Percent(r.BrokerCpuPercent)}"));
        rows.Add(new("resources", "broker peak RSS", r.BrokerPeakRssBytes > 0 ? Units.Bytes(r.BrokerPeakRssBytes) : "n/a (no --pid)"));
        rows.Add(new("run", "elapsed", Units.Seconds(r.ElapsedSeconds)));
        if (r.Note is not null)
        {
            rows.Add(new("run", "note", r.Note));
        }

        return rows;
    }
}
