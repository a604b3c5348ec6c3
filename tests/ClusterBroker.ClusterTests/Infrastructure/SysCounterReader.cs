using System.Globalization;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// Reads one node's $SYS counters through a client subscribed to "$SYS/broker/#" on that node.
/// A counter is read "settled": two consecutive publications received after the call carry the same
/// value, so the value includes everything that happened before the call and nothing is still moving.
/// </summary>
public sealed class SysCounterReader : IAsyncDisposable
{
    private readonly MqttTestClient _client;

    private SysCounterReader(MqttTestClient client) => _client = client;

    public ClusterNode Node => _client.Node;

    public static async Task<SysCounterReader> ConnectAsync(ClusterNode node)
    {
        MqttTestClient client = await MqttTestClient.ConnectAsync(node, Unique.ClientId("sys"));
        await client.SubscribeAsync("$SYS/broker/#", Q.Q0);
        return new SysCounterReader(client);
    }

    /// <summary>The value once two consecutive publications after this call agree.</summary>
    public async Task<long> ReadSettledAsync(string topic)
    {
        int seen = ValuesOf(_client.Messages.Snapshot(), topic).Count;
        long? settled = null;
        bool found = await _client.Messages.TryWaitUntilAsync(
            list =>
            {
                List<long> values = ValuesOf(list, topic);
                for (int i = seen + 1; i < values.Count; i++)
                {
                    if (values[i] == values[i - 1])
                    {
                        settled = values[i];
                        return true;
                    }
                }
                return false;
            },
            Timeouts.Default);
        if (!found || settled is null)
        {
            throw new Xunit.Sdk.XunitException(
                $"{topic} on {Node.Name} did not settle (two equal consecutive values) within {Timeouts.Default.TotalSeconds:0} s; " +
                $"values since the call: {string.Join(", ", ValuesOf(_client.Messages.Snapshot(), topic).Skip(seen))}");
        }
        return settled.Value;
    }

    /// <summary>Waits for a publication received after this call whose value satisfies the predicate.</summary>
    public async Task<long> WaitForValueAsync(string topic, Func<long, bool> predicate, string description)
    {
        int seen = ValuesOf(_client.Messages.Snapshot(), topic).Count;
        IReadOnlyList<ReceivedMessage> all;
        try
        {
            all = await _client.Messages.WaitUntilAsync(list => ValuesOf(list, topic).Skip(seen).Any(predicate), $"{topic} on {Node.Name} to be {description}");
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}; values of {topic}: {string.Join(", ", ValuesOf(_client.Messages.Snapshot(), topic).TakeLast(20))}");
        }
        return ValuesOf(all, topic).Skip(seen).First(predicate);
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static List<long> ValuesOf(IReadOnlyList<ReceivedMessage> messages, string topic)
    {
        var values = new List<long>();
        foreach (ReceivedMessage message in messages)
        {
            if (message.Topic == topic)
            {
                if (!long.TryParse(message.Payload, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
                {
                    throw new Xunit.Sdk.XunitException($"{topic} carried '{message.Payload}', not a decimal number");
                }
                values.Add(value);
            }
        }
        return values;
    }
}
