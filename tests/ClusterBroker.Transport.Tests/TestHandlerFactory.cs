using System.Collections.Concurrent;
using ClusterBroker.Core.Connections;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Transport.Tests;

/// <summary>
/// A minimal protocol side for transport tests: answers CONNECT with CONNACK (choosing the version and
/// the client's maximum packet size), PINGREQ with PINGRESP, echoes PUBLISH back, and records every
/// call so tests can await them.
/// </summary>
internal sealed class TestHandlerFactory : IConnectionHandlerFactory
{
    private readonly ConcurrentQueue<TestHandler> _handlers = new();

    public Func<IClientConnection, bool> Accept { get; set; } = _ => true;

    public IReadOnlyCollection<TestHandler> Handlers => _handlers;

    public IConnectionHandler? Create(IClientConnection connection)
    {
        if (!Accept(connection))
            return null;
        var handler = new TestHandler(connection);
        _handlers.Enqueue(handler);
        return handler;
    }

    public TestHandler Single() => Assert.Single(_handlers);
}

internal sealed class TestHandler(IClientConnection connection) : IConnectionHandler
{
    private readonly object _gate = new();
    private readonly List<MqttPacket> _packets = [];
    private int _serialCalls;

    public IClientConnection Connection { get; } = connection;

    public ProtocolViolation? Violation { get; private set; }

    public Exception? CloseError { get; private set; }

    public int ClosedCount;

    public int ConcurrentCalls;

    public int? ExecutorThread { get; private set; }

    public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<ProtocolViolation> Violated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool CloseOnViolation { get; set; } = true;

    public IReadOnlyList<MqttPacket> Packets
    {
        get { lock (_gate) return [.. _packets]; }
    }

    public void OnPacket(MqttPacket packet)
    {
        Enter();
        try
        {
            lock (_gate)
                _packets.Add(packet);
            switch (packet)
            {
                case ConnectPacket connect:
                    Connection.SetProtocolVersion(connect.ProtocolVersion);
                    Connection.SetMaximumOutgoingPacketSize(connect.MaximumPacketSize);
                    Connection.Send(new ConnAckPacket { ReasonCode = ReasonCode.Success });
                    break;
                case PingReqPacket:
                    Connection.Send(PingRespPacket.Instance);
                    break;
                case PublishPacket publish:
                    Connection.Send(publish with { Dup = false });
                    break;
                case DisconnectPacket:
                    Connection.Close();
                    break;
            }
        }
        finally
        {
            Exit();
        }
    }

    public void OnProtocolViolation(ProtocolViolation violation)
    {
        Enter();
        Violation = violation;
        Violated.TrySetResult(violation);
        if (CloseOnViolation)
            Connection.Close();
        Exit();
    }

    public void OnConnectionClosed(Exception? error)
    {
        Enter();
        CloseError = error;
        Interlocked.Increment(ref ClosedCount);
        Exit();
        Closed.TrySetResult();
    }

    private void Enter()
    {
        if (Interlocked.Increment(ref _serialCalls) != 1)
            Interlocked.Increment(ref ConcurrentCalls);
        ExecutorThread ??= Environment.CurrentManagedThreadId;
    }

    private void Exit() => Interlocked.Decrement(ref _serialCalls);
}
