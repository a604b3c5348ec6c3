using System.Diagnostics;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// Routes reach other nodes asynchronously: after a SUBSCRIBE on node B, a publish on node A may
/// miss it for a few milliseconds. Before a test counts messages it probes: it publishes QoS 1
/// probes on a topic the subscriptions match, again and again (at most <see cref="MaxProbes"/>,
/// within <see cref="Timeouts.Default"/>), until every subscriber has received one. Probes carry
/// control payloads that tests leave out of their counts.
/// </summary>
public static class RoutePropagation
{
    public const int MaxProbes = 60;

    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(1);

    /// <summary>Probes from <paramref name="publisher"/> on <paramref name="probeTopic"/> until every subscriber got one.</summary>
    public static Task AwaitAsync(MqttTestClient publisher, string probeTopic, params MqttTestClient[] subscribers) =>
        AwaitAsync(
            payload => publisher.PublishAsync(probeTopic, payload, Q.Q1),
            async (token, wait) =>
            {
                DateTime deadline = DateTime.UtcNow + wait;
                foreach (MqttTestClient subscriber in subscribers)
                {
                    TimeSpan remaining = deadline - DateTime.UtcNow;
                    if (!await subscriber.Messages.TryWaitUntilAsync(list => list.Any(m => ControlMessages.Carries(m.Payload, token)), remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero))
                    {
                        return false;
                    }
                }
                return true;
            },
            $"{string.Join(", ", subscribers.Select(s => s.ToString()))} (probes on '{probeTopic}' from {publisher})");

    /// <summary>Probes from <paramref name="publisher"/> until the external subscriber printed a line carrying a probe.</summary>
    public static Task AwaitAsync(MqttTestClient publisher, string probeTopic, ExternalClient subscriber) =>
        AwaitAsync(
            payload => publisher.PublishAsync(probeTopic, payload, Q.Q1),
            (token, wait) => subscriber.Output.TryWaitUntilAsync(lines => lines.Any(l => ControlMessages.Carries(l, token)), wait),
            $"{subscriber} (probes on '{probeTopic}' from {publisher})");

    /// <summary>
    /// Publishes probes until <paramref name="receivedAll"/> (given the probe token and how long it may
    /// wait) says every subscriber received one.
    /// </summary>
    public static async Task AwaitAsync(Func<string, Task> publishProbe, Func<string, TimeSpan, Task<bool>> receivedAll, string description)
    {
        string token = ControlMessages.NewToken("probe");
        var elapsed = Stopwatch.StartNew();
        TimeSpan wait = FirstWait;
        for (int probe = 1; probe <= MaxProbes && elapsed.Elapsed < Timeouts.Default; probe++)
        {
            await publishProbe($"{token}{probe}");
            if (await receivedAll(token, wait))
            {
                return;
            }
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
        }
        throw new Xunit.Sdk.XunitException(
            $"The route did not propagate: no probe reached {description} within {elapsed.Elapsed.TotalSeconds:0.#} s.");
    }
}
