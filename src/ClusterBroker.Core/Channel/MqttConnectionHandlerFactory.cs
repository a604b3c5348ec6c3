using ClusterBroker.Core.Connections;

namespace ClusterBroker.Core.Channel;

/// <summary>Creates an <see cref="MqttChannel"/> per accepted socket.</summary>
public sealed class MqttConnectionHandlerFactory(BrokerContext context) : IConnectionHandlerFactory
{
    public IConnectionHandler? Create(IClientConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);

        // Far beyond the limit the node refuses the socket outright; up to twice the limit it still answers
        // CONNECT with "server busy" so that clients learn why.
        if (context.Connections.Count >= 2L * context.Options.MaxConnections)
        {
            return null;
        }

        return new MqttChannel(connection, context);
    }
}
