using System.Text.Json;
using System.Text.Json.Serialization;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Reporting;

/// <summary>result.json: the machine-readable form the compare command reads back.</summary>
public static class ResultJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize(ScenarioResult result) => JsonSerializer.Serialize(result, Options);

    public static ScenarioResult Deserialize(string json) =>
        JsonSerializer.Deserialize<ScenarioResult>(json, Options) ?? throw new FormatException("empty result");
}
