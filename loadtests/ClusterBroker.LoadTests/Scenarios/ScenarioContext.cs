using ClusterBroker.LoadTests.Configuration;
using ClusterBroker.LoadTests.Measurement;
using ClusterBroker.LoadTests.Progress;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>What a scenario gets to run with: settings, where to report progress, and the resource monitor.</summary>
public sealed class ScenarioContext
{
    private readonly HashSet<int> _runnerPids = [Environment.ProcessId];
    private string? _topicPrefix;

    public ScenarioContext(string scenarioName, RunSettings settings, IProgressSink progress)
    {
        ScenarioName = scenarioName;
        Settings = settings;
        Progress = progress;
        RunId = Guid.NewGuid().ToString("N")[..8];
        Resources = new ResourceMonitor(settings.BrokerPids, RunnerPids);
    }

    public string ScenarioName { get; }
    public RunSettings Settings { get; }
    public IProgressSink Progress { get; }
    public ResourceMonitor Resources { get; }

    /// <summary>Makes topics and client ids unique per run, so runs never see each other's traffic.</summary>
    public string RunId { get; }

    /// <summary>"cblt/{RunId}", with a padding level of 'x' when <see cref="RunSettings.TopicLength"/> asks for long topics.</summary>
    public string TopicPrefix => _topicPrefix ??= Settings.TopicLength > 0
        ? $"cblt/{RunId}/{new string('x', Math.Max(1, Settings.TopicLength - 24))}"
        : $"cblt/{RunId}";

    public void AddRunnerProcesses(IEnumerable<int> pids)
    {
        lock (_runnerPids)
        {
            _runnerPids.UnionWith(pids);
        }
    }

    private IReadOnlyCollection<int> RunnerPids()
    {
        lock (_runnerPids)
        {
            return [.. _runnerPids];
        }
    }
}
