namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>The broker refused a feature the scenario needs (a SUBACK or CONNACK said so); the result is marked unsupported.</summary>
public sealed class ScenarioUnsupportedException(string message) : Exception(message);
