using System.Diagnostics;
using ClusterBroker.LoadTests.Clients;
using ClusterBroker.LoadTests.Configuration;
using ClusterBroker.LoadTests.Measurement;
using ClusterBroker.LoadTests.Messages;
using MQTTnet;
using MQTTnet.Protocol;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// Runs a message topology: connects and subscribes the subscribers, connects the publishers, waits until a
/// probe from each publisher reached all its receivers (routes in a cluster propagate asynchronously),
/// publishes through warm-up and the measured duration, drains, and counts every delivery in a DeliveryLedger.
/// Each client connects to the endpoint its spec names, else round robin by its index among the subscribers
/// (or among the publishers).
/// </summary>
public sealed class MessageFlowEngine
{
    /// <summary>A process may open at most 20,000 files here; leave room for everything else.</summary>
    public const int MaxClientsInProcess = 18_000;

    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DrainPoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ProbeRound = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ProbePoll = TimeSpan.FromMilliseconds(10);

    private readonly ScenarioContext _context;
    private readonly MessageTopology _topology;
    private readonly DeliveryLedger _ledger;

    /// <summary>Shared groups only: one stream per member, for order (which holds per member, not across the group).</summary>
    private readonly DeliveryLedger? _memberOrder;
    private readonly LatencyRecorder _latency = new();
    private readonly FlowCounters _counters = new();
    private readonly long[] _perSubscriber;
    private readonly long[] _probesPerSubscriber;
    private readonly int[] _subscriberBroker;
    private readonly int[] _publisherBroker;
    private readonly RouteProbe _probe;
    private long _probesSent;
    private FlowWindow? _window;
    private string _phase = "connecting";

    public MessageFlowEngine(ScenarioContext context, MessageTopology topology)
    {
        _context = context;
        _topology = topology;
        _ledger = new DeliveryLedger(topology.Receivers, topology.Publishers.Count);
        _perSubscriber = new long[topology.Subscribers.Count];
        _probesPerSubscriber = new long[topology.Subscribers.Count];
        var brokers = context.Settings.Brokers.Count;
        _subscriberBroker = [.. topology.Subscribers.Select((s, i) => (s.Broker ?? ClientPlacement.RoundRobin(i, brokers)) % brokers)];
        _publisherBroker = [.. topology.Publishers.Select((p, i) => (p.Broker ?? ClientPlacement.RoundRobin(i, brokers)) % brokers)];
        _probe = new RouteProbe(topology.Receivers, topology.Publishers.Count);
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
        var subscribers = _topology.Subscribers.Select((s, i) => new LoadClient(factory.CreateClient(), factory.Options(s.ClientId, i, _subscriberBroker[i]))).ToList();
        var publishers = _topology.Publishers.Select((p, i) => new LoadClient(factory.CreateClient(), factory.Options(p.ClientId, subscribers.Count + i, _publisherBroker[i]))).ToList();
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
        var routeWait = 0.0;
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

            _phase = "routes";
            var routesStarted = Stopwatch.GetTimestamp();
            note = await AwaitRoutesAsync(publishers, cancellationToken);
            routeWait = Stopwatch.GetElapsedTime(routesStarted).TotalSeconds;

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
            note = note is null ? e.Message : $"{note}; {e.Message}";
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
            PublishersPerBroker = PerBroker(_publisherBroker, _ => 1),
            SubscribersPerBroker = PerBroker(_subscriberBroker, _ => 1),
            DeliveriesPerBroker = PerBroker(_subscriberBroker, i => Interlocked.Read(ref _perSubscriber[i])),
            ProbeDeliveriesPerBroker = PerBroker(_subscriberBroker, i => Interlocked.Read(ref _probesPerSubscriber[i])),
            ProbesSent = Interlocked.Read(ref _probesSent),
            RouteWaitSeconds = routeWait,
            RunnerCpuPercent = resources.RunnerCpuPercent,
            BrokerCpuPercent = resources.BrokerCpuPercent,
            BrokerPeakRssBytes = sampler.PeakBrokerRss,
            Timeline = sampler.Points,
        };
    }

    private T[] PerBroker<T>(int[] brokerOfClient, Func<int, T> value)
        where T : System.Numerics.INumber<T>
    {
        var totals = new T[_context.Settings.Brokers.Count];
        Array.Fill(totals, T.Zero);
        for (var i = 0; i < brokerOfClient.Length; i++)
        {
            totals[brokerOfClient[i]] += value(i);
        }

        return totals;
    }

    /// <summary>
    /// Publishes a probe (QoS 1) from every publisher whose receivers have not all had one, every 250 ms,
    /// until none is missing or --route-wait runs out; returns a note when some never arrived.
    /// </summary>
    private async Task<string?> AwaitRoutesAsync(IReadOnlyList<LoadClient> publishers, CancellationToken cancellationToken)
    {
        var wait = _context.Settings.RouteWaitSeconds;
        if (wait <= 0 || _probe.Streams == 0)
        {
            return null;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(wait * Stopwatch.Frequency);
        var failures = 0;
        for (var round = 0; _probe.Pending > 0 && Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested; round++)
        {
            var sending = new List<Task<bool>>();
            for (var p = 0; p < publishers.Count; p++)
            {
                if (_probe.IsPending(p))
                {
                    sending.Add(SendProbeAsync(publishers[p].Client, _topology.Publishers[p], round, cancellationToken));
                }
            }

            failures += (await Task.WhenAll(sending)).Count(ok => !ok);
            var roundEnd = Stopwatch.GetTimestamp() + (long)(ProbeRound.TotalSeconds * Stopwatch.Frequency);
            while (_probe.Pending > 0 && Stopwatch.GetTimestamp() < Math.Min(roundEnd, deadline) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(ProbePoll, CancellationToken.None);
            }
        }

        return _probe.Pending == 0
            ? null
            : $"routes: {_probe.Pending} of {_probe.Streams} publisher-to-receiver streams had not delivered a probe after {wait} s ({failures} probe publishes failed); publishing anyway";
    }

    private async Task<bool> SendProbeAsync(IMqttClient client, PublisherSpec publisher, int round, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(publisher.Topic)
            .WithPayload(MessageStamp.Probe(publisher.Id, round, Stopwatch.GetTimestamp()).ToPayload(MessageStamp.Size))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        try
        {
            var result = await client.PublishAsync(message, cancellationToken);
            Interlocked.Increment(ref _probesSent);
            return result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            return false;
        }
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
            if (MessageStamp.TryReadProbe(e.ApplicationMessage.Payload, out var prober))
            {
                _probe.Observe(receiver, prober);
                Interlocked.Increment(ref _probesPerSubscriber[subscriberIndex]);
                return Task.CompletedTask;
            }

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
        var loopSettings = new PublisherLoopSettings(plan, settings.Qos, settings.PayloadBytes, settings.Inflight, Retain: false, settings.Stagger);
        var interval = plan.Unpaced ? 0 : 1 / plan.RatePerSecond;
        var loops = publishers.Select((p, i) => new PublisherLoop(p.Client, _topology.Publishers[i], loopSettings, window, _counters, interval * i / publishers.Count)).ToList();

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
