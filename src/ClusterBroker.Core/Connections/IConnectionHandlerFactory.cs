namespace ClusterBroker.Core.Connections;

/// <summary>Creates the handler of each new connection; implemented by the broker node.</summary>
public interface IConnectionHandlerFactory
{
    /// <summary>
    /// Called when a socket is accepted. Returns null when the node refuses the connection
    /// outright (for example max connections reached: the handler-less connection is closed).
    /// </summary>
    IConnectionHandler? Create(IClientConnection connection);
}
