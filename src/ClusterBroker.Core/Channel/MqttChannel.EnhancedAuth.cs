using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// MQTT 5 enhanced authentication (section 4.12): a CONNECT naming an Authentication Method the authenticator offers
/// (it implements <see cref="IEnhancedAuthenticator"/>) starts an exchange of AUTH packets (0x18 Continue) that ends
/// in CONNACK, carrying the method's final data; once connected, AUTH 0x19 re-authenticates with the same method and
/// ends in AUTH 0x00, or in DISCONNECT 0x87 when it fails ([MQTT-4.12.1-2]) or names another user. While the CONNECT's exchange runs the client
/// may send only AUTH or DISCONNECT ([MQTT-3.1.2-30]).
/// </summary>
public sealed partial class MqttChannel
{
    private string? _authMethod;
    private IAuthenticationExchange? _exchange;
    private ReadOnlyMemory<byte>? _authFinalData;
    private ConnectPacket? _authConnect;
    private string? _authAssigned;

    private bool OffersAuthenticationMethod(string method) =>
        _context.Authenticator is IEnhancedAuthenticator enhanced && enhanced.Methods.Contains(method);

    private void BeginEnhancedAuthentication(ConnectPacket connect, string method, string? assigned)
    {
        _authMethod = method;
        _authConnect = connect;
        _authAssigned = assigned;
        _exchange = ((IEnhancedAuthenticator)_context.Authenticator).Start(method, _connection.RemoteEndPoint);
        if (_exchange is null)
        {
            Refuse(ReasonCode.BadAuthenticationMethod, "MQTT-4.12.0-1", $"Authentication method '{Truncate(method)}' is not supported.");
            return;
        }

        _timer = _connection.Schedule(_context.Options.ConnectTimeout, OnAuthenticationTimeout);
        Step(connect.AuthenticationData);
    }

    private void OnPacketDuringAuthentication(MqttPacket packet)
    {
        switch (packet)
        {
            case AuthPacket auth:
                OnAuth(auth);
                break;
            case DisconnectPacket:
                _closeLogged = true;
                _publishWill = false;
                _connection.Close();
                Terminate();
                break;
            default:
                Fail(ReasonCode.ProtocolError, "MQTT-3.1.2-30", $"{packet.Type} sent during enhanced authentication; only AUTH or DISCONNECT may come before CONNACK.");
                break;
        }
    }

    private void OnAuth(AuthPacket auth)
    {
        if (_authMethod is null)
        {
            Fail(ReasonCode.ProtocolError, "MQTT-4.12.0-1", "AUTH on a connection that did not use enhanced authentication.");
            return;
        }

        if (auth.AuthenticationMethod != _authMethod)
        {
            Fail(ReasonCode.ProtocolError, "MQTT-4.12.1-1", $"AUTH with the Authentication Method '{Truncate(auth.AuthenticationMethod ?? "(none)")}' instead of the CONNECT's '{_authMethod}'.");
            return;
        }

        if (auth.ReasonCode == ReasonCode.ContinueAuthentication && _exchange is not null)
        {
            Step(auth.AuthenticationData);
        }
        else if (auth.ReasonCode == ReasonCode.ReAuthenticate && _state == ChannelState.Connected && _exchange is null)
        {
            _exchange = ((IEnhancedAuthenticator)_context.Authenticator).Start(_authMethod, _connection.RemoteEndPoint);
            Step(auth.AuthenticationData);
        }
        else
        {
            Fail(ReasonCode.ProtocolError, "MQTT-4.12.0-2", $"AUTH with reason code 0x{(byte)auth.ReasonCode:X2} out of sequence.");
        }
    }

    private void Step(ReadOnlyMemory<byte>? clientData)
    {
        AuthenticationStep step;
        try
        {
            step = _exchange!.Next(clientData is { } data ? data.Span : default);
        }
        catch (Exception ex)
        {
            _context.ChannelLogger.LogError(ex, "Enhanced authentication failed for client {ClientId}", _clientId);
            step = AuthenticationStep.Fail(ReasonCode.UnspecifiedError, "The authentication method failed.");
        }

        if (step.IsContinue)
        {
            SendControl(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, AuthenticationMethod = _authMethod, AuthenticationData = step.Data });
            return;
        }

        _exchange = null;
        if (_state == ChannelState.Connecting)
        {
            _timer?.Dispose();
            _timer = null;
            ConnectPacket connect = _authConnect!;
            _authConnect = null;
            if (step.IsSuccess)
            {
                _username = step.Username;
                _authFinalData = step.Data;
                OnAuthenticated(AuthenticationResult.Success, connect, _authAssigned);
            }
            else
            {
                OnAuthenticationFailed(AuthenticationResult.Fail(step.ReasonCode, step.ReasonString), step.Username ?? _username);
            }

            return;
        }

        if (step.IsSuccess && step.Username == _username)
        {
            SendControl(new AuthPacket { ReasonCode = ReasonCode.Success, AuthenticationMethod = _authMethod, AuthenticationData = step.Data });
            _context.ChannelLogger.LogDebug("Client {ClientId} re-authenticated as {Username}", _clientId, _username);
            return;
        }

        // DISCONNECT has no 0x86 or 0x8A: a failed re-authentication is 0x87 Not authorized whatever the step said.
        _context.Metrics.AuthenticationFailed();
        Fail(
            ReasonCode.NotAuthorized,
            "MQTT-4.12.1-2",
            step.IsSuccess ? "Re-authentication as another user is not allowed." : "Re-authentication failed: " + (step.ReasonString ?? "refused."));
    }

    private void OnAuthenticationTimeout()
    {
        if (_state == ChannelState.Connecting && _exchange is not null)
        {
            Refuse(ReasonCode.NotAuthorized, "MQTT-4.12.0-2", $"The authentication exchange did not complete within {_context.Options.ConnectTimeout.TotalSeconds:0.#} s.");
        }
    }
}
