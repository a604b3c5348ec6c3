using ClusterBroker.Core.Connections;
using ClusterBroker.Core.Routing;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// The MQTT protocol state machine of one connection (EMQX's "channel"): packets in, packets and session
/// effects out; it never touches a socket. Split by concern into partial files: connect/auth
/// (MqttChannel.Connect.cs), MQTT 5 enhanced authentication and re-authentication (MqttChannel.EnhancedAuth.cs), incoming PUBLISH flows and topic aliases (MqttChannel.Publish.cs), outgoing
/// deliveries, flow control and acknowledgements (MqttChannel.Delivery.cs), SUBSCRIBE/UNSUBSCRIBE
/// (MqttChannel.Subscribe.cs), keep-alive (MqttChannel.KeepAlive.cs), the end of the connection and the
/// session hand-back (MqttChannel.Termination.cs), and here the dispatch, errors and the shaping of every control
/// packet to the client's Maximum Packet Size and Request Problem Information (<see cref="OutgoingPacketFitter"/>).
/// </summary>
/// <remarks>
/// Threading: every IConnectionHandler member, timer and delivery runs on the connection's serial
/// executor, so no field needs a lock except the mailbox that other threads (routers) append to.
/// Memory: an idle connection holds only this object; collections are allocated on first use.
/// </remarks>
public sealed partial class MqttChannel : IConnectionHandler, IDeliveryTarget
{
    private readonly IClientConnection _connection;
    private readonly BrokerContext _context;
    private readonly long _connectionId;

    private ChannelState _state;
    private ProtocolVersion _version = ProtocolVersion.V311;
    private string? _clientId;
    private bool _closeLogged;
    private bool _publishWill = true;
    private WillMessage? _will;
    private uint _sessionExpiryInterval;
    private bool _cleanStart;
    private bool _problemInformation = true;
    private SessionEndpoint? _endpoint;
    private List<MqttPacket>? _earlyPackets;
    private TaskCompletionSource? _terminated;
    private volatile bool _terminatedDone;
    private bool _ownsClientId;
    private bool _isBridge;
    private bool _takenOver;
    private bool? _takeoverResumesSession;
    private long _connectedAtUnixMs;

    private enum ChannelState : byte
    {
        AwaitingConnect,
        Connecting,
        Connected,
        Closed,
    }

    public MqttChannel(IClientConnection connection, BrokerContext context)
    {
        _connection = connection;
        _context = context;
        _connectionId = context.Connections.Add(this);
        _lastActivityUnixMs = context.NowUnixMs();
        _timer = connection.Schedule(context.Options.ConnectTimeout, OnConnectTimeout);
    }

    /// <summary>The node-unique id of this connection.</summary>
    public long ConnectionId => _connectionId;

    /// <summary>The client identifier once CONNECT was accepted (or assigned).</summary>
    public string? ClientId => _clientId;

    /// <summary>True when the session outlives this connection (Session Expiry Interval in force above 0).</summary>
    public bool HasPersistentSession => _sessionExpiryInterval > 0;

    /// <summary>True once CONNACK was sent with success and until the connection ends.</summary>
    public bool IsConnected => _state == ChannelState.Connected;

    /// <summary>
    /// What an operator sees of this connection (admin API), read from another thread: each field is written once,
    /// on the connection's executor, before the connection counts as connected.
    /// </summary>
    public ConnectionInfo Describe() => new(
        _connectionId,
        _clientId,
        _connection.RemoteEndPoint,
        _version,
        _username,
        _keepAlive,
        _sessionExpiryInterval,
        _cleanStart,
        _state == ChannelState.Connected,
        _connectedAtUnixMs);

    public void OnPacket(MqttPacket packet)
    {
        _lastActivityUnixMs = _context.NowUnixMs();
        switch (_state)
        {
            case ChannelState.Closed:
                return;
            case ChannelState.AwaitingConnect:
                if (packet is ConnectPacket first)
                {
                    OnConnect(first);
                }
                else
                {
                    // [MQTT-3.1.0-1] After a Network Connection is established, the first packet sent must be CONNECT.
                    Fail(ReasonCode.ProtocolError, "MQTT-3.1.0-1", $"The first packet must be CONNECT, received {packet.Type}.");
                }

                return;
            case ChannelState.Connecting:
                if (packet is ConnectPacket)
                {
                    Fail(ReasonCode.ProtocolError, "MQTT-3.1.0-2", "A second CONNECT was received.");
                    return;
                }

                if (_exchange is not null)
                {
                    OnPacketDuringAuthentication(packet);
                    return;
                }

                // The client may pipeline packets behind CONNECT; keep them until the session is attached.
                List<MqttPacket> early = _earlyPackets ??= new List<MqttPacket>();
                if (early.Count >= _context.Options.ReceiveMaximum + 16)
                {
                    Fail(ReasonCode.ReceiveMaximumExceeded, "MQTT-3.3.4-9", "Too many packets sent before CONNACK.");
                    return;
                }

                early.Add(packet);
                return;
        }

        Dispatch(packet);
    }

    public void OnProtocolViolation(ProtocolViolation violation)
    {
        if (_state == ChannelState.Closed)
        {
            return;
        }

        if (_state == ChannelState.AwaitingConnect
            && violation.ReasonCode is ReasonCode.UnsupportedProtocolVersion or ReasonCode.ClientIdentifierNotValid)
        {
            // [MQTT-3.1.2-2] An unsupported protocol level is answered with CONNACK 0x01 (3.1.1) / 0x84 (5.0).
            Refuse(violation.ReasonCode, violation.Rule, violation.Message);
            return;
        }

        Fail(violation.ReasonCode, violation.Rule, violation.Message);
    }

    public void OnConnectionClosed(Exception? error)
    {
        if (_state == ChannelState.Closed)
        {
            return;
        }

        if (error is not null && !_closeLogged)
        {
            _closeLogged = true;
            _context.ChannelLogger.LogInformation(
                "Connection of client {ClientId} from {RemoteEndPoint} failed: {Error}",
                _clientId ?? "(none)", _connection.RemoteEndPoint, error.Message);
        }

        Terminate();
    }

    /// <summary>
    /// Closes the connection from the server side: DISCONNECT with the reason where 5.0 (takeover, shutdown).
    /// The task completes once the connection handed its session back.
    /// </summary>
    public Task DisconnectFromServer(ReasonCode reasonCode) => DisconnectFromServer(reasonCode, serverReference: null);

    /// <summary>
    /// As <see cref="DisconnectFromServer(ReasonCode)"/>, with a Server Reference in the DISCONNECT of a 5.0 client
    /// (0x9C Use another server / 0x9D Server moved, [MQTT-4.11]).
    /// </summary>
    public Task DisconnectFromServer(ReasonCode reasonCode, string? serverReference)
    {
        TaskCompletionSource terminated = Terminated;
        _connection.Execute(() => Disconnect(reasonCode, serverReference));
        return terminated.Task;
    }

    /// <summary>
    /// A newer connection of the client on this node takes the session over (DISCONNECT 0x8E where 5.0). What
    /// becomes of this connection's Will follows Mosquitto: when this session is persistent and the new connection
    /// resumes it (Clean Start 0) the Will is dropped, the client being still there; otherwise it is published now.
    /// </summary>
    internal Task TakeOver(bool resumesSession)
    {
        TaskCompletionSource terminated = Terminated;
        _connection.Execute(() =>
        {
            _takeoverResumesSession = resumesSession;
            Disconnect(ReasonCode.SessionTakenOver, null);
        });
        return terminated.Task;
    }

    private TaskCompletionSource Terminated
    {
        get
        {
            TaskCompletionSource? existing = Volatile.Read(ref _terminated);
            if (existing is not null)
            {
                return existing;
            }

            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            existing = Interlocked.CompareExchange(ref _terminated, created, null) ?? created;
            if (_terminatedDone)
            {
                existing.TrySetResult();
            }

            return existing;
        }
    }

    private void Disconnect(ReasonCode reasonCode, string? serverReference)
    {
        if (_state == ChannelState.Closed)
        {
            return;
        }

        if (!_closeLogged)
        {
            _closeLogged = true;
            _context.ChannelLogger.LogInformation(
                "Disconnecting client {ClientId} from {RemoteEndPoint}: {Reason}",
                _clientId ?? "(none)", _connection.RemoteEndPoint, reasonCode);
        }

        _takenOver = reasonCode == ReasonCode.SessionTakenOver;
        if (_state == ChannelState.Connected && _version == ProtocolVersion.V500)
        {
            SendControl(new DisconnectPacket { ReasonCode = reasonCode, ServerReference = serverReference });
        }

        _connection.Close();
        Terminate();
    }

    private void Dispatch(MqttPacket packet)
    {
        switch (packet)
        {
            case PublishPacket publish:
                OnPublish(publish);
                break;
            case PubAckPacket ack:
                OnPubAck(ack);
                break;
            case PubRecPacket rec:
                OnPubRec(rec);
                break;
            case PubRelPacket rel:
                OnPubRel(rel);
                break;
            case PubCompPacket comp:
                OnPubComp(comp);
                break;
            case SubscribePacket subscribe:
                OnSubscribe(subscribe);
                break;
            case UnsubscribePacket unsubscribe:
                OnUnsubscribe(unsubscribe);
                break;
            case PingReqPacket:
                SendControl(PingRespPacket.Instance);
                break;
            case DisconnectPacket disconnect:
                OnDisconnect(disconnect);
                break;
            case ConnectPacket:
                Fail(ReasonCode.ProtocolError, "MQTT-3.1.0-2", "A second CONNECT was received.");
                break;
            case AuthPacket auth:
                OnAuth(auth);
                break;
            default:
                Fail(ReasonCode.ProtocolError, "MQTT-2.1.2", $"A client must not send {packet.Type}.");
                break;
        }
    }

    private void OnDisconnect(DisconnectPacket disconnect)
    {
        if (_version == ProtocolVersion.V500 && disconnect.SessionExpiryInterval is uint requested)
        {
            if (_sessionExpiryInterval == 0 && requested != 0)
            {
                // [MQTT-3.14.2-2] A non-zero Session Expiry Interval at DISCONNECT when CONNECT had 0 is a protocol error.
                Fail(ReasonCode.ProtocolError, "MQTT-3.14.2-2", "Session Expiry Interval was 0 at CONNECT and must not be set at DISCONNECT.");
                return;
            }

            _sessionExpiryInterval = Math.Min(requested, _context.Options.MaximumSessionExpiryInterval);
        }

        // [MQTT-3.14.4-3] A normal DISCONNECT discards the Will; 0x04 "Disconnect with Will Message" publishes it.
        _publishWill = disconnect.ReasonCode == ReasonCode.DisconnectWithWillMessage;
        _context.ChannelLogger.LogDebug("Client {ClientId} disconnected (reason {Reason})", _clientId, disconnect.ReasonCode);
        _closeLogged = true;
        _connection.Close();
        Terminate();
    }

    /// <summary>
    /// A rule was broken after CONNECT: logs it once, sends DISCONNECT with the reason code where 5.0,
    /// closes, and publishes the Will (the connection ended abnormally).
    /// </summary>
    private void Fail(ReasonCode reasonCode, string rule, string message)
    {
        if (_state == ChannelState.Closed)
        {
            return;
        }

        LogViolation(reasonCode, rule, message);
        if (_state == ChannelState.Connected && _version == ProtocolVersion.V500)
        {
            // The reason string is dropped when it would not fit the client's Maximum Packet Size ([MQTT-3.14.2-3]).
            SendControl(new DisconnectPacket { ReasonCode = reasonCode, ReasonString = $"[{rule}] {message}" });
            if (reasonCode is ReasonCode.ReceiveMaximumExceeded or ReasonCode.MessageRateTooHigh or ReasonCode.QuotaExceeded)
            {
                // The client is likely still sending: read and discard its input a moment after a half-close, so
                // it reads the DISCONNECT instead of a reset (closing with unread input would reset the socket).
                _connection.CloseAfterDisconnect();
                Terminate();
                return;
            }
        }

        _connection.Close();
        Terminate();
    }

    /// <summary>A listener quota was exceeded for too long (5.0 only): DISCONNECT 0x96/0x97, then close; the Will is published.</summary>
    public void OnQuotaExceeded(ReasonCode reasonCode, string rule, string message)
    {
        if (_state != ChannelState.Connected)
        {
            return;
        }

        _context.Metrics.Count(reasonCode == ReasonCode.MessageRateTooHigh ? QuotaEvent.DisconnectedMessageRate : QuotaEvent.DisconnectedQuotaExceeded);
        Fail(reasonCode, rule, message);
    }

    /// <summary>CONNECT is refused: CONNACK with the reason code (mapped to a 3.1.1 return code by the encoder), then close.</summary>
    private void Refuse(ReasonCode reasonCode, string rule, string message)
    {
        if (_state == ChannelState.Closed)
        {
            return;
        }

        LogViolation(reasonCode, rule, message);
        _context.Metrics.ConnectionRefused(reasonCode);
        SendControl(new ConnAckPacket
        {
            ReasonCode = reasonCode,
            ReasonString = _version == ProtocolVersion.V500 ? $"[{rule}] {message}" : null,
        });
        _connection.Close();
        _publishWill = false;
        Terminate();
    }

    /// <summary>
    /// Sends a control packet (anything but PUBLISH); in 5.0 shaped first to the client's Request Problem Information
    /// and Maximum Packet Size (<see cref="OutgoingPacketFitter"/>). False when the transport refused it.
    /// </summary>
    private bool SendControl(MqttPacket packet) =>
        _connection.Send(_version == ProtocolVersion.V500 ? OutgoingPacketFitter.Fit(packet, _clientMaximumPacketSize, _problemInformation) : packet);

    private void LogViolation(ReasonCode reasonCode, string rule, string message)
    {
        if (_closeLogged)
        {
            return;
        }

        _closeLogged = true;
        _context.ChannelLogger.LogWarning(
            "Closing connection of client {ClientId} from {RemoteEndPoint}: [{Rule}] {Violation} (reason code 0x{ReasonCode:X2} {ReasonName})",
            _clientId ?? "(none)", _connection.RemoteEndPoint, rule, message, (byte)reasonCode, reasonCode);
    }
}
