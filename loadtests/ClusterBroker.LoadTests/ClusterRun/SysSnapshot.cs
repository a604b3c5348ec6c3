using System.Globalization;

namespace ClusterBroker.LoadTests.ClusterRun;

/// <summary>
/// One node's retained $SYS counters as `mosquitto_sub -v` prints them ("topic value" per line); values that
/// are not whole numbers (version, uptime) are skipped.
/// </summary>
public sealed class SysSnapshot
{
    public const string ForwardsSent = "$SYS/broker/cluster/forwards/sent";
    public const string ForwardsReceived = "$SYS/broker/cluster/forwards/received";
    public const string ForwardBatches = "$SYS/broker/cluster/forwards/batches";
    public const string Members = "$SYS/broker/cluster/members";
    public const string Routes = "$SYS/broker/cluster/routes";
    public const string MessagesReceived = "$SYS/broker/messages/received";

    private readonly Dictionary<string, long> _values;

    private SysSnapshot(Dictionary<string, long> values) => _values = values;

    public static SysSnapshot Parse(string text)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var space = line.LastIndexOf(' ');
            if (space > 0 && long.TryParse(line.AsSpan(space + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                values[line[..space]] = value;
            }
        }

        return new SysSnapshot(values);
    }

    public static SysSnapshot Load(string path) => Parse(File.Exists(path) ? File.ReadAllText(path) : string.Empty);

    public long? this[string topic] => _values.TryGetValue(topic, out var value) ? value : null;

    /// <summary>after - before for one counter; null when either snapshot lacks it.</summary>
    public static long? Delta(SysSnapshot before, SysSnapshot after, string topic) =>
        before[topic] is { } b && after[topic] is { } a ? a - b : null;
}
