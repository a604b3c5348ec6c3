using System.Diagnostics;
using ClusterBroker.LoadTests.Messages;
using MQTTnet;
using MQTTnet.Protocol;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// One publisher: sends stamped messages on its topic as its RatePlan allows, with at most Inflight
/// publishes outstanding (QoS 1/2: until acknowledged; QoS 0: until written). Stops when told to, or
/// when its message count is reached; then waits for what is outstanding, up to the abort token.
/// </summary>
public sealed class PublisherLoop
{
    private static readonly TimeSpan MinimumSleep = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MaximumSleep = TimeSpan.FromMilliseconds(20);

    private readonly IMqttClient _client;
    private readonly PublisherSpec _spec;
    private readonly RatePlan _plan;
    private readonly FlowWindow _window;
    private readonly FlowCounters _counters;
    private readonly MqttQualityOfServiceLevel _qos;
    private readonly int _payloadBytes;
    private readonly int _inflight;
    private readonly bool _retain;
    private readonly bool _stagger;
    private readonly double _offsetSeconds;
    private long _sent;

    /// <param name="offsetSeconds">With <see cref="PublisherLoopSettings.Stagger"/>: how much later than the others this publisher starts.</param>
    public PublisherLoop(IMqttClient client, PublisherSpec spec, PublisherLoopSettings settings, FlowWindow window, FlowCounters counters, double offsetSeconds = 0)
    {
        _client = client;
        _spec = spec;
        _plan = settings.Plan;
        _window = window;
        _counters = counters;
        _qos = (MqttQualityOfServiceLevel)settings.Qos;
        _payloadBytes = settings.PayloadBytes;
        _inflight = Math.Max(1, settings.Inflight);
        _retain = settings.Retain;
        _stagger = settings.Stagger && !settings.Plan.Unpaced;
        _offsetSeconds = _stagger ? offsetSeconds : 0;
    }

    /// <summary>Messages the broker accepted (acknowledged, or written for QoS 0).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public async Task RunAsync(CancellationToken stop, CancellationToken abort)
    {
        var pending = new Queue<Task>(_inflight);
        long sequence = 0;
        while (!stop.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            var elapsed = _window.SecondsSinceStart(now) - _offsetSeconds;
            var due = elapsed < 0 ? 0 : _plan.DueAt(elapsed);
            if (sequence >= due)
            {
                if (_plan.MaxMessages > 0 && sequence >= _plan.MaxMessages)
                {
                    break;
                }

                if (!await SleepAsync(elapsed, sequence, stop))
                {
                    break;
                }

                continue;
            }

            while (sequence < due && !stop.IsCancellationRequested)
            {
                if (pending.Count >= _inflight)
                {
                    await pending.Dequeue();
                }

                var sentAt = Stopwatch.GetTimestamp();
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(_spec.Topic)
                    .WithPayload(new MessageStamp(_spec.Id, sequence, sentAt).ToPayload(_payloadBytes))
                    .WithQualityOfServiceLevel(_qos)
                    .WithRetainFlag(_retain)
                    .Build();
                pending.Enqueue(PublishAsync(message, _window.IsMeasured(sentAt), abort));
                sequence++;
            }
        }

        while (pending.Count > 0)
        {
            await pending.Dequeue();
        }
    }

    private async Task<bool> SleepAsync(double elapsed, long sequence, CancellationToken stop)
    {
        var rate = _plan.RateAt(Math.Max(0, elapsed));
        var sleep = _stagger
            ? TimeSpan.FromSeconds(Math.Max(0, _plan.DueTime(sequence) - elapsed))
            : TimeSpan.FromSeconds(1 / Math.Max(1, rate));
        sleep = sleep < MinimumSleep ? MinimumSleep : sleep > MaximumSleep ? MaximumSleep : sleep;
        try
        {
            await Task.Delay(sleep, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task PublishAsync(MqttApplicationMessage message, bool measured, CancellationToken abort)
    {
        try
        {
            var result = await _client.PublishAsync(message, abort);
            if (result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers)
            {
                Interlocked.Increment(ref _sent);
                _counters.AddSent(measured);
                return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            // counted as a publish failure below
        }

        _counters.AddPublishFailure();
    }
}
