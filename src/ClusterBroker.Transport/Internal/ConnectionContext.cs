using ClusterBroker.Core.Connections;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Transport.Internal;

/// <summary>What every connection of one server shares: the handler factory, the log, the live set.</summary>
/// <remarks>
/// The live set is an intrusive doubly linked list (two fields in each connection) rather than a
/// concurrent dictionary: it is touched only on open and close, and costs no node per connection.
/// </remarks>
internal sealed class ConnectionContext(IConnectionHandlerFactory handlers, ILogger logger, TimeSpan closeTimeout, ITrafficMeter? trafficMeter, TimeSpan? disconnectLinger = null)
{
    private readonly object _gate = new();
    private MqttConnection? _head;
    private int _count;

    public long DroppedQoS0Messages;

    public IConnectionHandlerFactory Handlers { get; } = handlers;

    public ILogger Logger { get; } = logger;

    public ITrafficMeter? TrafficMeter { get; } = trafficMeter;

    public TimeSpan CloseTimeout { get; } = closeTimeout;

    /// <summary>How long a connection closed after a DISCONNECT keeps discarding input (<see cref="TransportOptions.DisconnectLinger"/>).</summary>
    public TimeSpan DisconnectLinger { get; } = disconnectLinger ?? TimeSpan.FromSeconds(2);

    public int Count => Volatile.Read(ref _count);

    public void Register(MqttConnection connection)
    {
        lock (_gate)
        {
            if (connection.Registered)
                return;
            connection.Registered = true;
            connection.Next = _head;
            if (_head is not null)
                _head.Previous = connection;
            _head = connection;
            _count++;
        }
    }

    public void Unregister(MqttConnection connection)
    {
        lock (_gate)
        {
            if (!connection.Registered)
                return;
            connection.Registered = false;
            if (connection.Previous is not null)
                connection.Previous.Next = connection.Next;
            else
                _head = connection.Next;
            if (connection.Next is not null)
                connection.Next.Previous = connection.Previous;
            connection.Previous = null;
            connection.Next = null;
            _count--;
        }
    }

    public List<MqttConnection> Snapshot()
    {
        lock (_gate)
        {
            var all = new List<MqttConnection>(_count);
            for (MqttConnection? c = _head; c is not null; c = c.Next)
                all.Add(c);
            return all;
        }
    }
}
