using System.Globalization;
using Spectre.Console;

namespace ClusterBroker.LoadTests.Progress;

/// <summary>A Spectre.Console live table redrawn four times a second with the latest snapshot.</summary>
public sealed class LiveProgressView : IProgressSink, IAsyncDisposable
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _display;
    private volatile ProgressSnapshot? _latest;

    public LiveProgressView()
    {
        _display = AnsiConsole.Live(Render(null)).AutoClear(false).StartAsync(async context =>
        {
            using var timer = new PeriodicTimer(RefreshInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    context.UpdateTarget(Render(_latest));
                }
            }
            catch (OperationCanceledException)
            {
                context.UpdateTarget(Render(_latest));
            }
        });
    }

    public void Report(ProgressSnapshot snapshot) => _latest = snapshot;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _display;
        _stop.Dispose();
    }

    private static Table Render(ProgressSnapshot? s)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("", "now", "total");
        if (s is null)
        {
            return table.AddRow("starting", "", "");
        }

        table.Title = new TableTitle($"{Markup.Escape(s.Scenario)} against {Markup.Escape(s.Broker)} - {Markup.Escape(s.Phase)} - {s.Elapsed:mm\\:ss}");
        table.AddRow("connections", Format(s.Connections), $"failed {Format(s.Failed)}");
        table.AddRow("sent", $"{Format(s.SentPerSecond)}/s", Format(s.Sent));
        table.AddRow("received", $"{Format(s.ReceivedPerSecond)}/s", Format(s.Received));
        table.AddRow("latency p99", string.Create(CultureInfo.InvariantCulture, $"{s.P99Micros / 1000.0:F2} ms"), "");
        table.AddRow("cpu runner / broker", string.Create(CultureInfo.InvariantCulture, $"{s.RunnerCpuPercent:F0}% / {s.BrokerCpuPercent:F0}%"), "of one core");
        table.AddRow("broker memory", string.Create(CultureInfo.InvariantCulture, $"{s.BrokerRssBytes / 1048576.0:F1} MiB"), "");
        return table;
    }

    private static string Format(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
