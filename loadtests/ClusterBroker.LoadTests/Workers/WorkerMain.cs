using ClusterBroker.LoadTests.Lightweight;

namespace ClusterBroker.LoadTests.Workers;

/// <summary>The worker side: runs one swarm and reports on stdout until done or until stdin closes.</summary>
public static class WorkerMain
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<int> RunAsync(SwarmPlan plan)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(plan.HoldSeconds + (plan.Count / Math.Max(1, plan.ConnectRate)) + plan.ConnectTimeoutSeconds + 120));
        _ = WatchParentAsync(stop);

        var swarm = new ConnectionSwarm(plan);
        var run = swarm.RunAsync(stop.Token);
        using (var timer = new PeriodicTimer(ProgressInterval))
        {
            while (!run.IsCompleted && await timer.WaitForNextTickAsync(CancellationToken.None))
            {
                await Console.Out.WriteLineAsync(WorkerProtocol.Progress(swarm.Counters));
                await Console.Out.FlushAsync(CancellationToken.None);
            }
        }

        var result = await run;
        await Console.Out.WriteLineAsync(WorkerProtocol.Result(result));
        await Console.Out.FlushAsync(CancellationToken.None);
        return 0;
    }

    private static async Task WatchParentAsync(CancellationTokenSource stop)
    {
        var buffer = new char[64];
        using var input = Console.OpenStandardInput();
        using var reader = new StreamReader(input);
        while (await reader.ReadAsync(buffer, stop.Token) > 0)
        {
            // the parent never writes; end of stream means it has gone
        }

        await stop.CancelAsync();
    }
}
