using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Security;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Channel;

/// <summary>CONNECT: validation, client identifier rules, authentication, authorization of the Will, session attach, CONNACK.</summary>
public sealed partial class MqttChannel
{
    private bool _attachedEphemeral;
    private ConnAckPacket? _connAck;

    /// <summary>The client's ACL state once authenticated; null when the node has no authorizer.</summary>
    private ConnectionAccess? _access;

    /// <summary>The user name of CONNECT, or the one enhanced authentication established.</summary>
    private string? _username;

    private void OnConnectTimeout()
    {
        if (_state == ChannelState.AwaitingConnect)
        {
            Fail(ReasonCode.MaximumConnectTime, "MQTT-3.1.4", $"No complete CONNECT within {_context.Options.ConnectTimeout.TotalSeconds:0.#} s.");
        }
    }

    private void OnConnect(ConnectPacket connect)
    {
        _timer?.Dispose();
        _timer = null;
        _version = connect.ProtocolVersion;
        _connection.SetProtocolVersion(_version);
        if (_version == ProtocolVersion.V500)
        {
            // Known before any answer: every packet from here on, a refusing CONNACK included, respects them.
            _problemInformation = connect.RequestProblemInformation ?? true;
            _clientMaximumPacketSize = connect.MaximumPacketSize;
            _connection.SetMaximumOutgoingPacketSize(connect.MaximumPacketSize);
        }

        // Named in the refusal's log line when the client gave one.
        _clientId = connect.ClientId.Length > 0 ? connect.ClientId : null;
        if ((AdmissionRefusal() ?? ConnectRules.Check(connect, _context.Options, _context.TopicLimits, OffersAuthenticationMethod)) is { } refusal)
        {
            Refuse(refusal.ReasonCode, refusal.Rule, refusal.Message);
            return;
        }

        // [MQTT-3.1.3-6] An empty ClientId (where allowed) gets a unique one; 5.0 returns it in CONNACK [MQTT-3.2.2-16].
        string? assigned = _clientId is null ? "auto-" + Guid.NewGuid().ToString("N") : null;
        _clientId ??= assigned;
        ConnectTerms terms = ConnectTerms.Negotiate(connect, _context.Options);
        _keepAlive = terms.KeepAlive;
        _sessionExpiryInterval = terms.SessionExpiryInterval;
        _clientReceiveMaximum = terms.ClientReceiveMaximum;
        _outgoingAliasLimit = terms.OutgoingAliasLimit;
        _will = connect.Will;
        _cleanStart = connect.CleanSession;
        _isBridge = connect.IsBridge;
        _username = connect.Username;
        _state = ChannelState.Connecting;
        Authenticate(connect, assigned);
    }

    /// <summary>Whether the node takes a new client at all, whatever its CONNECT says.</summary>
    private ConnectRefusal? AdmissionRefusal()
    {
        if (_context.ShuttingDown)
        {
            return new(ReasonCode.ServerShuttingDown, "MQTT-3.2.2-6", "The server is shutting down.");
        }

        if (_context.InClusterMinority)
        {
            return new(ReasonCode.ServerUnavailable, "cluster:minority", "This node cannot reach a majority of its cluster; connect to another node.");
        }

        return _context.Connections.Count > _context.Options.MaxConnections
            ? new(ReasonCode.ServerBusy, "limit:MaxConnections", $"The server accepts at most {_context.Options.MaxConnections} connections.")
            : null;
    }

    /// <summary>
    /// One of three proofs: the TLS listener's verified client certificate, a 5.0 enhanced authentication exchange, or
    /// the authenticator's verdict on the CONNECT's user name and password. Each ends in <see cref="OnAuthenticated"/>.
    /// </summary>
    private void Authenticate(ConnectPacket connect, string? assigned)
    {
        if (_connection.CertificateUsername is { } certificateUser)
        {
            // Its name replaces the CONNECT's, whose password is not checked (as Mosquitto's use_identity_as_username).
            // A second, different proof is refused.
            if (connect.AuthenticationMethod is not null)
            {
                Refuse(ReasonCode.BadAuthenticationMethod, "MQTT-4.12.0-1", "The client is authenticated by its TLS certificate; enhanced authentication is not offered on top of it.");
                return;
            }

            _username = certificateUser;
            OnAuthenticated(AuthenticationResult.Success, connect, assigned);
            return;
        }

        if (connect.AuthenticationMethod is { } authenticationMethod)
        {
            BeginEnhancedAuthentication(connect, authenticationMethod, assigned);
            return;
        }

        var request = new AuthenticationRequest(_clientId!, connect.Username, connect.Password, _connection.RemoteEndPoint, _version, connect.AuthenticationMethod, connect.AuthenticationData);
        ValueTask<AuthenticationResult> authentication;
        try
        {
            authentication = _context.Authenticator.AuthenticateAsync(request, CancellationToken.None);
        }
        catch (Exception ex)
        {
            _context.ChannelLogger.LogError(ex, "Authenticator failed for client {ClientId}", _clientId);
            Refuse(ReasonCode.ServerUnavailable, "auth", "The authenticator failed.");
            return;
        }

        if (authentication.IsCompletedSuccessfully)
        {
            OnAuthenticated(authentication.Result, connect, assigned);
        }
        else
        {
            authentication.AsTask().ContinueWith(
                t => _connection.Execute(() => OnAuthenticated(
                    t.IsCompletedSuccessfully ? t.Result : AuthenticationResult.Fail(ReasonCode.ServerUnavailable, "The authenticator failed."),
                    connect,
                    assigned)),
                TaskScheduler.Default);
        }
    }

    private void OnAuthenticated(AuthenticationResult result, ConnectPacket connect, string? assigned)
    {
        if (_state != ChannelState.Connecting)
        {
            return;
        }

        if (!result.IsSuccess)
        {
            OnAuthenticationFailed(result, _username);
            return;
        }

        if (_context.Authorizer is { } authorizer)
        {
            _access = new ConnectionAccess(authorizer, new AccessSubject(_clientId!, _username, _connection.RemoteEndPoint));
        }

        if (_will is { } will && !MayPublish(will.Topic))
        {
            // Refused now rather than silently dropped when the client goes: the client learns it at once (as Mosquitto does).
            _context.Metrics.PublishDenied();
            Refuse(ReasonCode.NotAuthorized, "acl", $"The client may not publish its Will to '{Truncate(will.Topic)}'.");
            return;
        }

        if (_version == ProtocolVersion.V500)
        {
            // Fitted to the client's Maximum Packet Size now, before the session is touched ([MQTT-3.1.2-24]).
            _connAck = OutgoingPacketFitter.FitConnAck(BuildConnAck(connect, assigned), _clientMaximumPacketSize);
            if (_connAck is null)
            {
                // What the client must be told (e.g. an Assigned Client Identifier) does not fit its Maximum Packet Size.
                Refuse(ReasonCode.PacketTooLarge, "MQTT-3.1.2-24", $"The CONNACK does not fit the client's Maximum Packet Size of {_clientMaximumPacketSize} bytes.");
                return;
            }
        }

        // Takeover on this node: the previous connection of the client is closed (0x8E) and hands its session back
        // before this one attaches. The session owner does the same across nodes.
        _ownsClientId = true;
        if (_context.Connections.ClaimClientId(_clientId!, this) is { } previous)
        {
            Task handedBack = previous.TakeOver(resumesSession: !_cleanStart);
            if (!handedBack.IsCompleted)
            {
                handedBack.WaitAsync(_context.Options.TakeoverTimeout).ContinueWith(
                    _ => _connection.Execute(() => Attach(connect, assigned)),
                    TaskScheduler.Default);
                return;
            }
        }

        Attach(connect, assigned);
    }

    /// <summary>One log line per refused CONNECT, with the address and user name (never the password), and the counter.</summary>
    private void OnAuthenticationFailed(AuthenticationResult result, string? username)
    {
        _context.Metrics.AuthenticationFailed();
        if (!_closeLogged)
        {
            _closeLogged = true;

            // A banned address may keep trying: only the start of its ban is logged at Warning (by the throttle).
            _context.ChannelLogger.Log(
                result.ReasonCode == ReasonCode.Banned ? LogLevel.Debug : LogLevel.Warning,
                "Authentication failed for client {ClientId} from {RemoteEndPoint} (user {Username}): {Reason} (reason code 0x{ReasonCode:X2} {ReasonName})",
                Truncate(_clientId!), _connection.RemoteEndPoint, username is null ? "(none)" : Truncate(username),
                result.ReasonString ?? "refused", (byte)result.ReasonCode, result.ReasonCode);
        }

        Refuse(result.ReasonCode, "MQTT-3.1.4-2", result.ReasonString ?? "Authentication failed.");
    }

    /// <summary>The Will as it is published should this connection end without DISCONNECT (for a persistent session's store).</summary>
    private PendingWill? WillOnConnectionLoss()
    {
        if (_will is not { } will || _sessionExpiryInterval == 0 || !MayPublishWill(will.Topic))
        {
            return null;
        }

        uint delay = _version == ProtocolVersion.V500 ? Math.Min(will.WillDelayInterval ?? 0, _sessionExpiryInterval) : 0;
        return new PendingWill(BrokerMessage.FromWill(will, _clientId!, _context.NowUnixMs()), delay);
    }

    private void Attach(ConnectPacket connect, string? assigned)
    {
        if (_state != ChannelState.Connecting)
        {
            return;
        }

        Task<SessionAttachResult> attach;
        try
        {
            _attachedEphemeral = _sessionExpiryInterval == 0;
            attach = _context.Sessions.AttachAsync(new SessionAttachRequest(_clientId!, _cleanStart, _connectionId, _sessionExpiryInterval, WillOnConnectionLoss()), CancellationToken.None);
        }
        catch (Exception ex)
        {
            attach = Task.FromException<SessionAttachResult>(ex);
        }

        if (attach.IsCompleted)
        {
            OnAttached(attach, connect, assigned);
        }
        else
        {
            attach.ContinueWith(t => _connection.Execute(() => OnAttached(t, connect, assigned)), TaskScheduler.Default);
        }
    }

    private void OnAttached(Task<SessionAttachResult> attach, ConnectPacket connect, string? assigned)
    {
        if (!attach.IsCompletedSuccessfully)
        {
            if (_state == ChannelState.Connecting)
            {
                _context.ChannelLogger.LogError(attach.Exception?.GetBaseException(), "Could not attach the session of client {ClientId}", _clientId);
                Refuse(ReasonCode.ServerUnavailable, "session", "The session could not be attached.");
            }

            return;
        }

        SessionAttachResult result = attach.Result;
        if (_state != ChannelState.Connecting)
        {
            // Closed while the session was on its way: hand it straight back so nothing is lost.
            if (_sessionExpiryInterval == 0 && _context.Router.TryGetEndpoint(_clientId!, out SessionEndpoint stale))
            {
                _context.Router.RemoveEndpoint(stale);
            }

            _context.Sessions.Detach(new SessionDetachRequest(_clientId!, _connectionId, _sessionExpiryInterval, result.Snapshot, null));
            return;
        }

        SessionEndpoint endpoint = _context.Router.GetOrAddEndpoint(_clientId!);
        endpoint.Persistent = _sessionExpiryInterval > 0;
        _endpoint = endpoint;
        RestoreSubscriptions(endpoint, result);
        if (result.Snapshot.IncomingQoS2.Count > 0)
        {
            _incomingQoS2 = new HashSet<ushort>(result.Snapshot.IncomingQoS2);
        }

        _state = ChannelState.Connected;
        _connectedAtUnixMs = _context.NowUnixMs();
        _context.Metrics.ClientConnected();
        endpoint.SetOnline(this);
        SendConnAck(connect, result.SessionPresent, assigned);
        StartKeepAlive();
        if (_isBridge)
        {
            // Rare and worth seeing: its subscriptions get no local echo and RETAIN as published.
            _context.ChannelLogger.LogInformation(
                "Client {ClientId} connected from {RemoteEndPoint} as a bridge (protocol level 0x{Level:X2})",
                _clientId, _connection.RemoteEndPoint, 0x80 | (byte)_version);
        }

        _context.ChannelLogger.LogDebug(
            "Client {ClientId} connected from {RemoteEndPoint} ({Version}, session present: {SessionPresent})",
            _clientId, _connection.RemoteEndPoint, _version, result.SessionPresent);

        if (result.SessionPresent)
        {
            WatchForRepeats();
        }

        ResendUnacknowledged(result.Snapshot);
        foreach (QueuedMessage message in result.Snapshot.Queued)
        {
            ProcessDelivery(Delivery.FromQueued(message));
        }

        if (_earlyPackets is { } early)
        {
            _earlyPackets = null;
            foreach (MqttPacket packet in early)
            {
                if (_state != ChannelState.Connected)
                {
                    break;
                }

                Dispatch(packet);
            }
        }

        ScheduleDrain();
    }

    /// <summary>
    /// The router holds the session's subscriptions on this node: none for a new session; the stored ones for a present
    /// session that moved here (a session that never left keeps its own).
    /// </summary>
    private void RestoreSubscriptions(SessionEndpoint endpoint, SessionAttachResult result)
    {
        NodeRouter router = _context.Router;
        if (!result.SessionPresent)
        {
            router.ClearSubscriptions(endpoint);
            return;
        }

        if (router.GetSubscriptions(endpoint).Count > 0 || result.Snapshot.Subscriptions.Count == 0)
        {
            return;
        }

        foreach (Subscription subscription in result.Snapshot.Subscriptions)
        {
            TopicValidator.ValidateSubscriptionFilter(subscription.Filter, default, out SharedSubscriptionFilter? shared);
            router.Subscribe(endpoint, subscription, shared, 0);
        }

        _context.Sessions.SubscriptionsRestored(_clientId!, _connectionId);
    }

    /// <summary>[MQTT-4.4.0-1] Unacknowledged PUBLISH (DUP set) and PUBREL packets are sent again, in their original order.</summary>
    private void ResendUnacknowledged(SessionSnapshot snapshot)
    {
        foreach (InflightMessage message in snapshot.Inflight)
        {
            Delivery delivery = Delivery.FromQueued(message.Delivery);
            IsRepeat(delivery); // remembered: a copy still on its way through the old node is a repeat
            _inflight.Restore(message.PacketId, delivery, message.Released);
            RecordResumed(message.PacketId, delivery, message.Released);
            if (message.Released)
            {
                SendControl(new PubRelPacket { PacketId = message.PacketId });
            }
            else if (!SendPublish(delivery, message.PacketId, dup: true))
            {
                _inflight.Remove(message.PacketId);
            }
        }
    }

    private void SendConnAck(ConnectPacket connect, bool sessionPresent, string? assigned)
    {
        if (_version != ProtocolVersion.V500)
        {
            // [MQTT-3.2.2-1] Session Present is 0 when Clean Session is 1.
            SendControl(new ConnAckPacket { ReasonCode = ReasonCode.Success, SessionPresent = sessionPresent && !connect.CleanSession });
            return;
        }

        // Built and fitted to the client's Maximum Packet Size at CONNECT; only Session Present was unknown then.
        ConnAckPacket connAck = _connAck ?? BuildConnAck(connect, assigned);
        _connAck = null;
        SendControl(sessionPresent ? connAck with { SessionPresent = true } : connAck);
    }

    /// <summary>The 5.0 CONNACK of a successful CONNECT, every property included (Session Present set later).</summary>
    private ConnAckPacket BuildConnAck(ConnectPacket connect, string? assigned)
    {
        BrokerOptions options = _context.Options;
        return new ConnAckPacket
        {
            ReasonCode = ReasonCode.Success,
            SessionExpiryInterval = (connect.SessionExpiryInterval ?? 0) != _sessionExpiryInterval ? _sessionExpiryInterval : null,
            ReceiveMaximum = options.ReceiveMaximum == ushort.MaxValue ? null : options.ReceiveMaximum,
            MaximumQoS = options.MaximumQoS < QualityOfService.ExactlyOnce ? options.MaximumQoS : null,
            RetainAvailable = options.RetainAvailable ? null : false,
            MaximumPacketSize = options.MaximumPacketSize,
            AssignedClientIdentifier = assigned,
            TopicAliasMaximum = options.TopicAliasMaximum == 0 ? null : options.TopicAliasMaximum,
            WildcardSubscriptionAvailable = options.WildcardSubscriptionAvailable,
            SubscriptionIdentifiersAvailable = options.SubscriptionIdentifiersAvailable,
            SharedSubscriptionAvailable = options.SharedSubscriptionAvailable,

            // [MQTT-3.2.2-22] Without Server Keep Alive the server must use the client's value: sent whenever it does not.
            ServerKeepAlive = options.ServerKeepAlive is not null || _keepAlive != connect.KeepAlive ? _keepAlive : null,

            // [MQTT-3.1.2-28] Response Information only when the client asked for it (Request Response Information 1).
            ResponseInformation = connect.RequestResponseInformation == true && options.ResponseInformation is { } template
                ? template.Replace("{clientid}", _clientId, StringComparison.Ordinal)
                : null,
            AuthenticationMethod = _authMethod,
            AuthenticationData = _authMethod is null ? null : _authFinalData,
        };
    }
}
