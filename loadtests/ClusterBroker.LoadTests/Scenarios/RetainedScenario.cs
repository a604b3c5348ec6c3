using System.Diagnostics;
using ClusterBroker.LoadTests.Clients;
using ClusterBroker.LoadTests.Measurement;
using ClusterBroker.LoadTests.Messages;
using HdrHistogram;
using MQTTnet;
using MQTTnet.Protocol;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// Publishes K retained messages (--retained) on K topics, then N subscribers (--clients) subscribe with a
/// multi-level wildcard; measures the time until each has every one of them (bounded by --duration).
/// Clears the retained messages afterwards so that runs do not accumulate on the broker.
/// </summary>
public sealed class RetainedScenario : IScenario
{
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    public string Name => "retained";

    public string Description => "publish K retained messages (--retained), then N subscribers (--clients) with a # wildcard; time until each has all";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var s = context.Settings;
        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var count = s.RetainedMessages;
        var subscriberCount = s.Subscribers ?? s.Clients;
        var root = $"{context.TopicPrefix}/retained";
        var factory = new LoadClientFactory(s);
        var publisher = new LoadClient(factory.CreateClient(), factory.Options($"cblt-{context.RunId}-rp", 0));
        var subscribers = Enumerable.Range(0, subscriberCount)
            .Select(i => new LoadClient(factory.CreateClient(), factory.Options($"cblt-{context.RunId}-rs{i}", i + 1))).ToList();
        var ledger = new DeliveryLedger([.. Enumerable.Repeat(ReceiverExpectation.Publisher(0), subscriberCount)], 1);
        var counters = new FlowCounters();
        var timeToAll = new LongHistogram(1, LatencyRecorder.HighestMicros, 3);
        var perReceiver = new long[subscriberCount];
        var complete = 0;
        long subscribedAt = 0;
        var phase = "publishing";

        for (var i = 0; i < subscriberCount; i++)
        {
            var receiver = i;
            subscribers[i].Client.ApplicationMessageReceivedAsync += e =>
            {
                counters.AddReceived();
                if (!MessageStamp.TryRead(e.ApplicationMessage.Payload, out var stamp))
                {
                    ledger.ObserveForeign();
                }
                else if (ledger.Observe(receiver, stamp.PublisherId, stamp.Sequence) == DeliveryOutcome.New
                    && Interlocked.Increment(ref perReceiver[receiver]) == count)
                {
                    lock (timeToAll)
                    {
                        timeToAll.RecordValue(Math.Clamp((long)Stopwatch.GetElapsedTime(Interlocked.Read(ref subscribedAt)).TotalMicroseconds, 1, LatencyRecorder.HighestMicros));
                    }

                    Interlocked.Increment(ref complete);
                }

                return Task.CompletedTask;
            };
        }

        var sampler = new RunSampler(context, () => new SamplerReading(phase, false, subscriberCount + 1, 0, counters.Sent, counters.Received), latency: null);
        using var samplerStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampling = sampler.RunAsync(samplerStop.Token);
        string? note = null;
        double secondsToAll = 0;
        double publishSeconds = 0;
        long sent = 0;
        try
        {
            if (await ClientConnector.ConnectAllAsync([publisher], 0, 1, cancellationToken) > 0)
            {
                throw new ScenarioFailedException($"publisher could not connect: {publisher.Failure}");
            }

            var publishStarted = Stopwatch.GetTimestamp();
            sent = await PublishRetainedAsync(publisher.Client, root, count, s, counters, empty: false, cancellationToken);
            publishSeconds = Stopwatch.GetElapsedTime(publishStarted).TotalSeconds;
            phase = "connecting subscribers";
            if (await ClientConnector.ConnectAllAsync(subscribers, s.ConnectRate, s.ConnectConcurrency, cancellationToken) > 0)
            {
                throw new ScenarioFailedException($"subscribers could not connect: {subscribers.First(c => c.Failure is not null).Failure}");
            }

            phase = "subscribing";
            context.Resources.MarkWindowStart();
            Interlocked.Exchange(ref subscribedAt, Stopwatch.GetTimestamp());
            var qos = (MqttQualityOfServiceLevel)s.Qos;
            await Parallel.ForEachAsync(subscribers, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, s.ConnectConcurrency), CancellationToken = cancellationToken }, async (c, token) =>
                await c.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"{root}/#", qos).Build(), token));

            phase = "receiving";
            var deadline = Stopwatch.GetTimestamp() + (long)(s.DurationSeconds * Stopwatch.Frequency);
            while (Volatile.Read(ref complete) < subscriberCount && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
            }

            secondsToAll = Stopwatch.GetElapsedTime(subscribedAt).TotalSeconds;
            phase = "clearing";
            await ClientConnector.DisconnectAllAsync(subscribers, DisconnectTimeout);
            await PublishRetainedAsync(publisher.Client, root, count, s, new FlowCounters(), empty: true, cancellationToken);
        }
        catch (Exception e) when (e is ScenarioFailedException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            note = e.Message;
        }
        finally
        {
            await samplerStop.CancelAsync();
            await sampling;
            await ClientConnector.DisconnectAllAsync(subscribers.Append(publisher), DisconnectTimeout);
        }

        // Retained messages of different topics come in no particular order: only loss and duplicates count.
        var delivery = ledger.Totals([sent]) with { OutOfOrder = 0 };
        var resources = context.Resources.WindowAverage();
        LatencySummary perSubscriber;
        lock (timeToAll)
        {
            perSubscriber = LatencySummary.From(timeToAll);
        }

        return new ScenarioResult
        {
            Scenario = Name,
            Broker = s.Label,
            Settings = SettingsSummary.Describe(s),
            StartedAt = startedAt,
            ElapsedSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds,
            Note = note ?? (complete < subscriberCount ? $"{subscriberCount - complete} subscribers did not get every retained message within {s.DurationSeconds} s" : null),
            Failed = note is not null,
            Publishers = 1,
            Subscribers = subscriberCount,
            Sent = sent,
            Delivery = delivery,
            MeasuredSeconds = secondsToAll,
            ReceiveRate = secondsToAll > 0 ? delivery.Unique / secondsToAll : 0,
            Retained = new RetainedFigures(count, subscriberCount, complete, secondsToAll, perSubscriber, publishSeconds),
            RunnerCpuPercent = resources.RunnerCpuPercent,
            BrokerCpuPercent = resources.BrokerCpuPercent,
            BrokerPeakRssBytes = sampler.PeakBrokerRss,
            Timeline = sampler.Points,
        };
    }

    /// <summary>Publishes (or, with empty payloads, clears) the retained set at QoS 1 or more, so every one is known stored before subscribers come.</summary>
    private static async Task<long> PublishRetainedAsync(IMqttClient client, string root, int count, Configuration.RunSettings s, FlowCounters counters, bool empty, CancellationToken cancellationToken)
    {
        var qos = Math.Max(1, s.Qos);
        long accepted = 0;
        var pending = new Queue<Task<MqttClientPublishResult>>();
        for (var k = 0; k < count; k++)
        {
            if (pending.Count >= Math.Max(1, s.Inflight))
            {
                accepted += Accepted(await pending.Dequeue(), counters);
            }

            var payload = empty ? [] : new MessageStamp(0, k, Stopwatch.GetTimestamp()).ToPayload(s.PayloadBytes);
            var message = new MqttApplicationMessageBuilder()
                .WithTopic($"{root}/{k % 100}/{k}")
                .WithPayload(payload)
                .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)qos)
                .WithRetainFlag(true)
                .Build();
            pending.Enqueue(client.PublishAsync(message, cancellationToken));
        }

        while (pending.Count > 0)
        {
            accepted += Accepted(await pending.Dequeue(), counters);
        }

        return accepted;
    }

    private static long Accepted(MqttClientPublishResult result, FlowCounters counters)
    {
        if (result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers)
        {
            counters.AddSent(measured: true);
            return 1;
        }

        counters.AddPublishFailure();
        return 0;
    }
}
