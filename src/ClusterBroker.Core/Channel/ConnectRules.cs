using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using ClusterBroker.Topics;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// What a CONNECT itself must satisfy, whoever sends it and whatever the broker's state: the client identifier rules,
/// control characters (when refused), the Will and the authentication method. Pure: the channel refuses with the answer.
/// </summary>
internal static class ConnectRules
{
    /// <param name="offersAuthenticationMethod">Whether the broker offers a 5.0 enhanced authentication method of that name.</param>
    /// <returns>The first rule the CONNECT breaks, or null when it breaks none.</returns>
    public static ConnectRefusal? Check(ConnectPacket connect, BrokerOptions options, TopicLimits limits, Func<string, bool> offersAuthenticationMethod) =>
        CheckClientId(connect)
        ?? CheckControlCharacters(connect, options)
        ?? CheckWill(connect, options, limits)
        ?? CheckAuthenticationMethod(connect, offersAuthenticationMethod);

    private static ConnectRefusal? CheckClientId(ConnectPacket connect)
    {
        if (connect.ClientId.Length > 0)
        {
            return null;
        }

        if (connect.ProtocolVersion == ProtocolVersion.V310)
        {
            return new(ReasonCode.ClientIdentifierNotValid, "MQTT-3.1-3.1.3.1", "MQTT 3.1 requires a client identifier of 1 to 23 characters.");
        }

        // [MQTT-3.1.3-8] A zero-byte ClientId with CleanSession 0 is refused with return code 0x02.
        if (connect.ProtocolVersion == ProtocolVersion.V311 && !connect.CleanSession)
        {
            return new(ReasonCode.ClientIdentifierNotValid, "MQTT-3.1.3-8", "An empty client identifier requires Clean Session 1.");
        }

        // [MQTT-3.1.3-6] Otherwise the server assigns one (MqttChannel).
        return null;
    }

    private static ConnectRefusal? CheckControlCharacters(ConnectPacket connect, BrokerOptions options)
    {
        if (!options.RefuseControlCharacters)
        {
            return null;
        }

        int at = ControlCharacters.IndexIn(connect.ClientId);
        if (at >= 0)
        {
            return new(ReasonCode.ClientIdentifierNotValid, "MQTT-1.5.4", $"The client identifier holds the control character U+{(int)connect.ClientId[at]:X4} (refused: RefuseControlCharacters).");
        }

        at = connect.Username is { } user ? ControlCharacters.IndexIn(user) : -1;
        return at >= 0
            ? new(ReasonCode.BadUserNameOrPassword, "MQTT-1.5.4", $"The user name holds the control character U+{(int)connect.Username![at]:X4} (refused: RefuseControlCharacters).")
            : null;
    }

    private static ConnectRefusal? CheckWill(ConnectPacket connect, BrokerOptions options, TopicLimits limits)
    {
        if (connect.Will is not { } will)
        {
            return null;
        }

        // 3.1/3.1.1 have no return code for a bad Will: the connection is refused all the same.
        ReasonCode badTopic = connect.ProtocolVersion == ProtocolVersion.V500 ? ReasonCode.TopicNameInvalid : ReasonCode.UnspecifiedError;
        TopicValidationResult topic = TopicValidator.ValidateTopicName(will.Topic, limits);
        if (!topic.IsValid)
        {
            return new(badTopic, "MQTT-3.1.3-11", "Will Topic: " + topic.Message);
        }

        int at = options.RefuseControlCharacters ? ControlCharacters.IndexIn(will.Topic) : -1;
        if (at >= 0)
        {
            return new(badTopic, "MQTT-1.5.4", $"The Will Topic holds the control character U+{(int)will.Topic[at]:X4} (refused: RefuseControlCharacters).");
        }

        if (will.QoS > options.MaximumQoS)
        {
            return new(ReasonCode.QoSNotSupported, "MQTT-3.2.2-12", $"Will QoS {(byte)will.QoS} exceeds the server's Maximum QoS {(byte)options.MaximumQoS}.");
        }

        return will.Retain && !options.RetainAvailable
            ? new(ReasonCode.RetainNotSupported, "MQTT-3.2.2-13", "Will Retain is set but the server does not support retained messages.")
            : null;
    }

    private static ConnectRefusal? CheckAuthenticationMethod(ConnectPacket connect, Func<string, bool> offersAuthenticationMethod)
    {
        if (connect.AuthenticationMethod is not { } method || offersAuthenticationMethod(method))
        {
            return null;
        }

        return new(ReasonCode.BadAuthenticationMethod, "MQTT-4.12.0-1", $"Authentication method '{MqttChannel.Truncate(method)}' is not supported.");
    }
}
