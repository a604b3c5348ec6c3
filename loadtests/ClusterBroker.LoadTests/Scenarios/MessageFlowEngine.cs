using System.Diagnostics;
using ClusterBroker.LoadTests.Clients;
using ClusterBroker.LoadTests.Measurement;
using ClusterBroker.LoadTests.Messages;
using MQTTnet;
using MQTTnet.Protocol;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// Runs a message topology: connects and subscribes the subscribers, connects the publishers, publishes
/// through warm-up and the measured duration, drains, and counts every delivery in a DeliveryLedger.
/// </summary>
public sealed class MessageFlowEngine
{
    /// <summary>A process may open at most 20,000 files here; leave room for everything else.</summary>
    public const int MaxClientsInProcess = 18_000;

    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DrainPoll = TimeSpan.FromMilliseconds(20);

    private readonly ScenarioContext _context;
    private readonly MessageTopology _topology;
    private readonly DeliveryLedger _ledger;

    /// <summary>Shared groups only: one stream per member, for order (which holds per member, not across the group).</summary>
    private readonly DeliveryLedger? _memberOrder;
    private readonly LatencyRecorder _latency = new();
    private readonly FlowCounters _counters = new();
    private readonly long[] _perSubscriber;
    private FlowWindow? _window;
    private string _phase = "connecting";

    public MessageFlowEngine(ScenarioContext context, MessageTopology topology)
    {
        _context = context;
        _topology = topology;
        _ledger = new DeliveryLedger(topology.Receivers, topology.Publishers.Count);
        _perSubscriber = new long[topology.Subscribers.Count];
        _memberOrder = topology.SharedGroup
            ? new DeliveryLedger([.. Enumerable.Repeat(ReceiverExpectation.AllPublishers, topology.Subscribers.Count)], topology.Publishers.Count)
            : null;
    }

    public async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var settings = _context.Settings;
        if (_topology.Publishers.Count + _topology.Subscribers.Count > MaxClientsInProcess)
        {
            throw new ArgumentException(
                $"{_topology.Publishers.Count + _topology.Subscribers.Count} MQTT clients exceed the {MaxClientsInProcess} one process can hold " +
                "(at most 20,000 open files); message scenarios run in one process: start several runners instead");
        }

        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var factory = new LoadClientFactory(settings);
        var subscribers = _topology.Subscribers.Select((s, i) => new LoadClient(factory.CreateClient(), factory.Options(s.ClientId, i))).ToList();
        var publishers = _topology.Publishers.Select((p, i) => new LoadClient(factory.CreateClient(), factory.Options(p.ClientId, subscribers.Count + i))).ToList();
        for (var i = 0; i < subscribers.Count; i++)
        {
            Attach(subscribers[i].Client, _topology.Subscribers[i].Receiver, i);
        }

        var connections = 0L;
        using var samplerStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = new RunSampler(_context, () => Read(Interlocked.Read(ref connections)), _latency);
        var sampling = sampler.RunAsync(samplerStop.Token);
        string? note = null;
        var unsupported = false;
        var loops = new List<PublisherLoop>();
        try
        {
            var failed = await ClientConnector.ConnectAllAsync(subscribers, settings.ConnectRate, settings.ConnectConcurrency, cancellationToken);
            failed += await ClientConnector.ConnectAllAsync(publishers, settings.ConnectRate, settings.ConnectConcurrency, cancellationToken);
            Interlocked.Exchange(ref connections, subscribers.Concat(publishers).LongCount(c => c.Client.IsConnected));
            if (failed > 0)
            {
                var reason = subscribers.Concat(publishers).First(c => c.Failure is not null).Failure;
                throw new ScenarioFailedException($"{failed} of {subscribers.Count + publishers.Count} clients could not connect (first: {reason})");
            }

            if (SharedSupportNote(subscribers) is { } refusal)
            {
                throw new ScenarioUnsupportedException(refusal);
            }
            _phase = "subscribing";
            await SubscribeAllAsync(subscribers, cancellationToken);

            _phase = "warm-up";
            _window = new FlowWindow(settings.WarmupSeconds, settings.DurationSeconds);
            _context.Resources.MarkWindowStart();
            loops = await PublishAsync(publishers, _window, cancellationToken);
        }
        catch (ScenarioUnsupportedException e)
        {
            note = e.Message;
            unsupported = true;
        }
        catch (Exception e) when (e is ScenarioFailedException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            note = e.Message;
        }
        finally
        {
            await samplerStop.CancelAsync();
            await sampling;
            _phase = "disconnecting";
            await ClientConnector.DisconnectAllAsync(subscribers.Concat(publishers), DisconnectTimeout);
        }

        var sentPerPublisher = loops.Count == publishers.Count ? loops.Select(l => l.Sent).ToArray() : new long[publishers.Count];
        var delivery = _ledger.Totals(sentPerPublisher);
        if (_memberOrder is not null)
        {
            delivery = delivery with { OutOfOrder = _memberOrder.Totals(sentPerPublisher).OutOfOrder };
        }
        var resources = _context.Resources.WindowAverage();
        var measuredSeconds = _window?.MeasuredSeconds ?? 0;
        if (note is null && _topology.SharedGroup && delivery.Expected > 0 && delivery.Unique == 0)
        {
            note = "no message reached the $share group: the broker does not appear to support shared subscriptions";
            unsupported = true;
        }

        return new ScenarioResult
        {
            Scenario = _context.ScenarioName,
            Broker = settings.Label,
            Settings = SettingsSummary.Describe(settings),
            StartedAt = startedAt,
            ElapsedSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds,
            Note = note,
            Failed = _window is null && !unsupported,
            Unsupported = unsupported,
            Publishers = publishers.Count,
            Subscribers = subscribers.Count,
            Sent = _counters.Sent,
            PublishFailures = _counters.PublishFailures,
            Delivery = delivery,
            MeasuredSeconds = measuredSeconds,
            SendRate = measuredSeconds > 0 ? _counters.SentMeasured / measuredSeconds : 0,
            ReceiveRate = measuredSeconds > 0 ? _counters.DeliveredMeasured / measuredSeconds : 0,
            Latency = _latency.Measured(),
            DeliveriesPerMember = _topology.SharedGroup ? [.. _perSubscriber] : [],
            RunnerCpuPercent = resources.RunnerCpuPercent,
            BrokerCpuPercent = resources.BrokerCpuPercent,
            BrokerPeakRssBytes = sampler.PeakBrokerRss,
            Timeline = sampler.Points,
        };
    }

    private SamplerReading Read(long connections) => new(
        _phase,
        _window is null || _window.InWarmUp(Stopwatch.GetTimestamp()),
        connections,
        0,
        _counters.Sent,
        _counters.Received);

    private void Attach(IMqttClient client, int receiver, int subscriberIndex)
    {
        var delay = _context.Settings.SlowSubscriberDelayMs;
        client.ApplicationMessageReceivedAsync += e =>
        {
            var now = Stopwatch.GetTimestamp();
            _counters.AddReceived();
            if (!MessageStamp.TryRead(e.ApplicationMessage.Payload, out var stamp))
            {
                _ledger.ObserveForeign();
            }
            else if (_ledger.Observe(receiver, stamp.PublisherId, stamp.Sequence) == DeliveryOutcome.New)
            {
                _memberOrder?.Observe(subscriberIndex, stamp.PublisherId, stamp.Sequence);
                var measured = _window?.IsMeasured(stamp.SentTimestamp) ?? false;
                _latency.RecordTicks(now - stamp.SentTimestamp, measured);
                Interlocked.Increment(ref _perSubscriber[subscriberIndex]);
                if (measured)
                {
                    _counters.AddDeliveredMeasured();
                }
            }

            return delay > 0 ? Task.Delay(delay) : Task.CompletedTask;
        };
    }

    private string? SharedSupportNote(IReadOnlyList<LoadClient> subscribers) =>
        _topology.SharedGroup && subscribers.Count > 0 && subscribers[0].Connected is { } connack
            && _context.Settings.Protocol == Configuration.MqttProtocol.V500 && !connack.SharedSubscriptionAvailable
            ? "the broker's CONNACK says shared subscriptions are not available"
            : null;

    private async Task SubscribeAllAsync(IReadOnlyList<LoadClient> subscribers, CancellationToken cancellationToken)
    {
        var qos = (MqttQualityOfServiceLevel)_context.Settings.Qos;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _context.Settings.ConnectConcurrency), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, subscribers.Count), options, async (i, token) =>
        {
            var subscribe = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_topology.Subscribers[i].Filter, qos).Build();
            var result = await subscribers[i].Client.SubscribeAsync(subscribe, token);
            foreach (var item in result.Items)
            {
                if (item.ResultCode == MqttClientSubscribeResultCode.SharedSubscriptionsNotSupported)
                {
                    throw new ScenarioUnsupportedException($"SUBSCRIBE {_topology.Subscribers[i].Filter} refused: shared subscriptions not supported");
                }

                if ((int)item.ResultCode >= 0x80)
                {
                    throw new ScenarioFailedException($"SUBSCRIBE {_topology.Subscribers[i].Filter} refused: {item.ResultCode}");
                }
            }
        });
    }

    private async Task<List<PublisherLoop>> PublishAsync(IReadOnlyList<LoadClient> publishers, FlowWindow window, CancellationToken cancellationToken)
    {
        var settings = _context.Settings;
        var plan = new RatePlan(settings.RatePerPublisher(publishers.Count), settings.RampSeconds, settings.MaxMessagesPerPublisher);
        var loopSettings = new PublisherLoopSettings(plan, settings.Qos, settings.PayloadBytes, settings.Inflight, Retain: false);
        var loops = publishers.Select((p, i) => new PublisherLoop(p.Client, _topology.Publishers[i], loopSettings, window, _counters)).ToList();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(window.UntilEnd());
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        abort.CancelAfter(window.UntilEnd() + TimeSpan.FromSeconds(settings.DrainSeconds));
        var running = loops.Select(l => Task.Run(() => l.RunAsync(stop.Token, abort.Token), CancellationToken.None)).ToArray();
        var phaseWatch = WatchWarmUpAsync(window, stop.Token);
        await Task.WhenAll(running);
        await phaseWatch;

        _phase = "draining";
        var sent = loops.Select(l => l.Sent).ToArray();
        var expected = _ledger.ExpectedDeliveries(sent);
        var drainUntil = Stopwatch.GetTimestamp() + (long)(settings.DrainSeconds * Stopwatch.Frequency);
        while (_ledger.UniqueTotal < expected && Stopwatch.GetTimestamp() < drainUntil && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(DrainPoll, CancellationToken.None);
        }

        return loops;
    }

    private async Task WatchWarmUpAsync(FlowWindow window, CancellationToken stop)
    {
        var untilMeasure = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), window.MeasureStart);
        try
        {
            if (untilMeasure > TimeSpan.Zero)
            {
                await Task.Delay(untilMeasure, stop);
            }

            _phase = "measuring";
        }
        catch (OperationCanceledException)
        {
            // publishing ended during warm-up (count reached)
        }
    }
}
