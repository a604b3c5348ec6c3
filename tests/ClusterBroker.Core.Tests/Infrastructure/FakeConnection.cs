using ClusterBroker.Core.Connections;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests.Infrastructure;

/// <summary>
/// A recording <see cref="IClientConnection"/>: keeps every packet sent, runs Execute on a serial
/// trampoline (inline unless an action is already running, then after it, like a real executor), and
/// records timers for the test to fire.
/// </summary>
public sealed class FakeConnection : IClientConnection
{
    private readonly Queue<Action> _queue = new();
    private bool _running;

    public string RemoteEndPoint { get; init; } = "127.0.0.1:50000";

    public ProtocolVersion? Version { get; private set; }

    public uint? MaximumOutgoingPacketSize { get; private set; }

    public List<MqttPacket> Sent { get; } = new();

    public bool Closed { get; private set; }

    public List<FakeTimer> Timers { get; } = new();

    /// <summary>While set, Execute only queues: the test runs the actions with <see cref="RunNext"/> or <see cref="Resume"/> (a busy event loop).</summary>
    public bool Held { get; set; }

    /// <summary>Actions queued and not yet run.</summary>
    public int QueuedActions => _queue.Count;

    /// <summary>True once <see cref="CloseAfterDisconnect"/> closed the connection (half-close, input discarded).</summary>
    public bool ClosedAfterDisconnect { get; private set; }

    /// <summary>The packets refused because they exceeded <see cref="MaximumOutgoingPacketSize"/>.</summary>
    public List<MqttPacket> Refused { get; } = new();

    /// <summary>The encoded size of the packet, as the transport measures it to enforce <see cref="MaximumOutgoingPacketSize"/>.</summary>
    public int EncodedSize(MqttPacket packet) => MqttPacketEncoder.GetEncodedSize(packet, Version ?? ProtocolVersion.V500);

    public void SetProtocolVersion(ProtocolVersion version) => Version = version;

    public void SetMaximumOutgoingPacketSize(uint? maximumPacketSize) => MaximumOutgoingPacketSize = maximumPacketSize;

    public bool Send(MqttPacket packet)
    {
        if (Closed)
        {
            return false;
        }

        if (MaximumOutgoingPacketSize is uint max && EncodedSize(packet) > max)
        {
            Refused.Add(packet);
            return false;
        }

        Sent.Add(packet);
        return true;
    }

    public void Close() => Closed = true;

    public void CloseAfterDisconnect()
    {
        ClosedAfterDisconnect = !Closed;
        Closed = true;
    }

    public void Execute(Action action)
    {
        _queue.Enqueue(action);
        if (_running || Held)
        {
            return;
        }

        RunQueued();
    }

    /// <summary>Runs the oldest queued action only (while <see cref="Held"/>); false when none was queued.</summary>
    public bool RunNext()
    {
        if (!_queue.TryDequeue(out Action? next))
        {
            return false;
        }

        _running = true;
        try
        {
            next();
        }
        finally
        {
            _running = false;
        }

        return true;
    }

    /// <summary>Stops holding and runs everything queued.</summary>
    public void Resume()
    {
        Held = false;
        RunQueued();
    }

    private void RunQueued()
    {
        _running = true;
        try
        {
            while (_queue.TryDequeue(out Action? next))
            {
                next();
            }
        }
        finally
        {
            _running = false;
        }
    }

    public IDisposable Schedule(TimeSpan delay, Action action)
    {
        var timer = new FakeTimer(this, delay, action);
        Timers.Add(timer);
        return timer;
    }

    /// <summary>Fires every timer that is still armed (once each).</summary>
    public void FireTimers()
    {
        foreach (FakeTimer timer in Timers.ToArray())
        {
            timer.Fire();
        }
    }

    public T[] SentOf<T>()
        where T : MqttPacket => Sent.OfType<T>().ToArray();

    public T Last<T>()
        where T : MqttPacket => Sent.OfType<T>().Last();

    public sealed class FakeTimer(FakeConnection owner, TimeSpan delay, Action action) : IDisposable
    {
        public TimeSpan Delay { get; } = delay;

        public bool Disposed { get; private set; }

        public bool Fired { get; private set; }

        public void Fire()
        {
            if (Disposed || Fired)
            {
                return;
            }

            Fired = true;
            owner.Execute(action);
        }

        public void Dispose() => Disposed = true;
    }
}
