namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>A run could not produce figures (clients refused, subscription refused); its message becomes the result's note.</summary>
public sealed class ScenarioFailedException(string message) : Exception(message);
