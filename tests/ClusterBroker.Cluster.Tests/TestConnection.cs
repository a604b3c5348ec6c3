using System.Collections.Concurrent;
using ClusterBroker.Core.Connections;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Cluster.Tests;

/// <summary>
/// A thread-safe recording connection for tests against a running BrokerNode: a serial executor (actions
/// run one at a time, in order, on the thread that finds the queue idle), real timers, sent packets kept.
/// </summary>
public sealed class TestConnection : IClientConnection
{
    private readonly object _gate = new();
    private readonly Queue<Action> _queue = new();
    private bool _running;

    public IConnectionHandler Handler { get; set; } = null!;

    public string RemoteEndPoint => "127.0.0.1:1";

    public ConcurrentQueue<MqttPacket> Sent { get; } = new();

    public volatile bool Closed;

    public void SetProtocolVersion(ProtocolVersion version)
    {
    }

    public void SetMaximumOutgoingPacketSize(uint? maximumPacketSize)
    {
    }

    public bool Send(MqttPacket packet)
    {
        if (Closed)
        {
            return false;
        }

        Sent.Enqueue(packet);
        return true;
    }

    public void Close()
    {
        if (!Closed)
        {
            Closed = true;
            Execute(() => Handler.OnConnectionClosed(null));
        }
    }

    public void Execute(Action action)
    {
        lock (_gate)
        {
            _queue.Enqueue(action);
            if (_running)
            {
                return;
            }

            _running = true;
        }

        while (true)
        {
            Action next;
            lock (_gate)
            {
                if (!_queue.TryDequeue(out next!))
                {
                    _running = false;
                    return;
                }
            }

            next();
        }
    }

    public IDisposable Schedule(TimeSpan delay, Action action) =>
        new Timer(_ => Execute(action), null, delay, Timeout.InfiniteTimeSpan);

    public void Receive(MqttPacket packet) => Execute(() => Handler.OnPacket(packet));

    public T? Find<T>(Func<T, bool>? predicate = null)
        where T : MqttPacket => Sent.OfType<T>().FirstOrDefault(p => predicate is null || predicate(p));

    public async Task<T> WaitFor<T>(Func<T, bool>? predicate = null, double seconds = 10)
        where T : MqttPacket
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (Find(predicate) is { } found)
            {
                return found;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"No {typeof(T).Name} within {seconds} s; sent: {string.Join(", ", Sent.Select(p => p.Type))}");
    }
}
