using System.Diagnostics;
using ClusterBroker.LoadTests.Lightweight;

namespace ClusterBroker.LoadTests.Workers;

/// <summary>
/// Runs a connect plan across worker processes when one process cannot hold it (a process may open at
/// most 20,000 files here). Each worker takes a contiguous slice of client indexes and an equal share of
/// the connect rate; their progress is summed live and their results merged.
/// </summary>
public sealed class SwarmWorkers
{
    private readonly IReadOnlyList<SwarmPlan> _plans;
    private readonly WorkerProgress[] _progress;
    private readonly List<int> _pids = [];

    public SwarmWorkers(SwarmPlan plan, int clientsPerWorker)
    {
        _plans = Split(plan, clientsPerWorker);
        _progress = new WorkerProgress[_plans.Count];
    }

    public int WorkerCount => _plans.Count;

    public IReadOnlyCollection<int> Pids
    {
        get { lock (_pids) { return [.. _pids]; } }
    }

    public WorkerProgress Progress
    {
        get
        {
            lock (_progress)
            {
                var phase = SwarmPhase.Done;
                long attempted = 0, connected = 0, failed = 0, dropped = 0;
                foreach (var p in _progress)
                {
                    attempted += p.Attempted;
                    connected += p.Connected;
                    failed += p.Failed;
                    dropped += p.Dropped;
                    phase = p.Phase < phase ? p.Phase : phase;
                }

                return new WorkerProgress(attempted, connected, failed, dropped, phase);
            }
        }
    }

    public static IReadOnlyList<SwarmPlan> Split(SwarmPlan plan, int clientsPerWorker)
    {
        var workers = Math.Max(1, (plan.Count + clientsPerWorker - 1) / clientsPerWorker);
        var plans = new List<SwarmPlan>(workers);
        var first = plan.FirstIndex;
        for (var w = 0; w < workers; w++)
        {
            var count = (plan.Count / workers) + (w < plan.Count % workers ? 1 : 0);
            plans.Add(plan with { FirstIndex = first, Count = count, ConnectRate = plan.ConnectRate / workers, Concurrency = Math.Max(1, plan.Concurrency / workers) });
            first += count;
        }

        return plans;
    }

    public async Task<SwarmResult> RunAsync(CancellationToken cancellationToken)
    {
        var processes = new List<Process>();
        try
        {
            for (var w = 0; w < _plans.Count; w++)
            {
                processes.Add(Start(_plans[w]));
            }

            var results = await Task.WhenAll(processes.Select((p, w) => CollectAsync(p, w, cancellationToken)));
            return SwarmResults.Merge(results);
        }
        finally
        {
            foreach (var process in processes)
            {
                Stop(process);
            }
        }
    }

    private Process Start(SwarmPlan plan)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(SwarmWorkers).Assembly.Location);
        start.ArgumentList.Add(WorkerProtocol.Command);
        start.ArgumentList.Add(WorkerProtocol.PlanOption);
        start.ArgumentList.Add(WorkerProtocol.EncodePlan(plan));
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a worker process");
        lock (_pids)
        {
            _pids.Add(process.Id);
        }

        return process;
    }

    private async Task<SwarmResult> CollectAsync(Process process, int worker, CancellationToken cancellationToken)
    {
        SwarmResult? result = null;
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            if (WorkerProtocol.TryParseProgress(line, out var progress))
            {
                lock (_progress)
                {
                    _progress[worker] = progress;
                }
            }
            else if (WorkerProtocol.TryParseResult(line, out var parsed))
            {
                result = parsed;
                lock (_progress)
                {
                    _progress[worker] = new WorkerProgress(parsed!.Attempted, parsed.Connected, parsed.Failed, parsed.Dropped, SwarmPhase.Done);
                }
            }
        }

        await process.WaitForExitAsync(cancellationToken);
        return result ?? throw new InvalidOperationException($"worker {worker} (pid {process.Id}) exited with {process.ExitCode} and no result");
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        process.Dispose();
    }
}
