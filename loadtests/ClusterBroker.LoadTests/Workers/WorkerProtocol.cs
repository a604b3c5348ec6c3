using System.Globalization;
using System.Text;
using System.Text.Json;
using ClusterBroker.LoadTests.Lightweight;

namespace ClusterBroker.LoadTests.Workers;

/// <summary>
/// The line protocol between the runner and its worker processes. The plan goes down as base64 JSON on
/// the command line; the worker answers on stdout with "progress attempted connected failed dropped phase"
/// lines and one final "result {json}" line. The worker stops when its stdin closes (the parent is gone).
/// </summary>
public static class WorkerProtocol
{
    public const string Command = "worker";
    public const string PlanOption = "--plan";
    private const string ProgressPrefix = "progress ";
    private const string ResultPrefix = "result ";

    public static string EncodePlan(SwarmPlan plan) => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(plan));

    public static SwarmPlan DecodePlan(string text) =>
        JsonSerializer.Deserialize<SwarmPlan>(Convert.FromBase64String(text)) ?? throw new FormatException("empty worker plan");

    public static string Progress(SwarmCounters counters) => string.Create(
        CultureInfo.InvariantCulture,
        $"{ProgressPrefix}{counters.Attempted} {counters.Connected} {counters.Failed} {counters.Dropped} {(int)counters.Phase}");

    public static string Result(SwarmResult result) => ResultPrefix + JsonSerializer.Serialize(result);

    public static bool TryParseProgress(string line, out WorkerProgress progress)
    {
        progress = default;
        if (!line.StartsWith(ProgressPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = line[ProgressPrefix.Length..].Split(' ');
        if (parts.Length != 5)
        {
            return false;
        }

        progress = new WorkerProgress(
            long.Parse(parts[0], CultureInfo.InvariantCulture),
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            long.Parse(parts[2], CultureInfo.InvariantCulture),
            long.Parse(parts[3], CultureInfo.InvariantCulture),
            (SwarmPhase)int.Parse(parts[4], CultureInfo.InvariantCulture));
        return true;
    }

    public static bool TryParseResult(string line, out SwarmResult? result)
    {
        result = line.StartsWith(ResultPrefix, StringComparison.Ordinal)
            ? JsonSerializer.Deserialize<SwarmResult>(Encoding.UTF8.GetBytes(line[ResultPrefix.Length..]))
            : null;
        return result is not null;
    }
}
