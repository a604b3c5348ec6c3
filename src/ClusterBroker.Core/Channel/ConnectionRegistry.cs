using System.Collections.Concurrent;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// The live connections of this node by connection id: used to close one on takeover, to hand it a
/// message the session owner forwards, and to close them all at shutdown. Thread-safe.
/// </summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<long, MqttChannel> _channels = new();
    private readonly ConcurrentDictionary<string, MqttChannel> _byClientId = new(StringComparer.Ordinal);
    private long _lastId;

    public int Count => _channels.Count;

    internal long Add(MqttChannel channel)
    {
        long id = Interlocked.Increment(ref _lastId);
        _channels[id] = channel;
        return id;
    }

    internal void Remove(long connectionId) => _channels.TryRemove(connectionId, out _);

    /// <summary>Makes <paramref name="channel"/> the connection of the client id here; returns the one it replaces, if any.</summary>
    internal MqttChannel? ClaimClientId(string clientId, MqttChannel channel)
    {
        MqttChannel? previous = null;
        _byClientId.AddOrUpdate(clientId, channel, (_, existing) =>
        {
            previous = existing;
            return channel;
        });
        return previous == channel ? null : previous;
    }

    internal void ReleaseClientId(string clientId, MqttChannel channel) =>
        _byClientId.TryRemove(new KeyValuePair<string, MqttChannel>(clientId, channel));

    /// <summary>The connection with this node-local number, if it is still open.</summary>
    public bool TryGet(long connectionId, out MqttChannel channel) => _channels.TryGetValue(connectionId, out channel!);

    /// <summary>The client id, connection number and session kind of every connection holding a client id here (a copy).</summary>
    public List<(string ClientId, long ConnectionId, bool Persistent)> ClientConnections()
    {
        var connections = new List<(string, long, bool)>(_byClientId.Count);
        foreach (KeyValuePair<string, MqttChannel> entry in _byClientId)
        {
            connections.Add((entry.Key, entry.Value.ConnectionId, entry.Value.HasPersistentSession));
        }

        return connections;
    }

    /// <summary>The connection of this client id on this node, if any.</summary>
    public bool TryGetByClientId(string clientId, out MqttChannel channel) => _byClientId.TryGetValue(clientId, out channel!);

    /// <summary>Closes the connection with a server DISCONNECT (5.0) carrying the reason; false when it is gone.</summary>
    public bool Disconnect(long connectionId, ReasonCode reasonCode)
    {
        if (_channels.TryGetValue(connectionId, out MqttChannel? channel))
        {
            _ = channel.DisconnectFromServer(reasonCode);
            return true;
        }

        return false;
    }

    /// <summary>Hands a message for the session to the connection; false when it is gone (the caller queues it).</summary>
    public bool Deliver(long connectionId, QueuedMessage message) =>
        _channels.TryGetValue(connectionId, out MqttChannel? channel) && channel.TryDeliver(Routing.Delivery.FromQueued(message));

    /// <summary>The open connections (a copy, in no particular order): for the admin API and a spread-out drain.</summary>
    public List<MqttChannel> Snapshot() => new(_channels.Values);

    /// <summary>Sends every connection DISCONNECT with the reason (5.0) and closes it.</summary>
    public void DisconnectAll(ReasonCode reasonCode)
    {
        foreach (MqttChannel channel in _channels.Values)
        {
            _ = channel.DisconnectFromServer(reasonCode);
        }
    }
}
