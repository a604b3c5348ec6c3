using System.Collections.Concurrent;
using ClusterBroker.Core.Connections;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Transport.Internal;

/// <summary>What every connection of one server shares: the handler factory, the log, the live set.</summary>
internal sealed class ConnectionContext(IConnectionHandlerFactory handlers, ILogger logger, TimeSpan closeTimeout)
{
    private readonly ConcurrentDictionary<MqttConnection, byte> _open = new(ReferenceEqualityComparer.Instance);

    public long DroppedQoS0Messages;

    public IConnectionHandlerFactory Handlers { get; } = handlers;

    public ILogger Logger { get; } = logger;

    public TimeSpan CloseTimeout { get; } = closeTimeout;

    public int Count => _open.Count;

    public void Register(MqttConnection connection) => _open.TryAdd(connection, 0);

    public void Unregister(MqttConnection connection) => _open.TryRemove(connection, out _);

    public ICollection<MqttConnection> Snapshot() => _open.Keys;
}
