namespace ClusterBroker.Protocol.Codec;

/// <summary>
/// Maps MQTT 5.0 reason codes to the MQTT 3.1/3.1.1 CONNACK return codes (3.1.1 section 3.2.2.3) and
/// SUBACK return codes (3.1.1 section 3.9.3), and back.
/// </summary>
public static class ReasonCodeMapping
{
    /// <summary>Highest CONNACK return code defined by 3.1/3.1.1 (5, not authorized).</summary>
    public const byte MaximumConnectReturnCode = 5;

    /// <summary>
    /// The 3.1/3.1.1 CONNACK return code for a v5 reason code: 0x00 -> 0, 0x84 -> 1, 0x85 -> 2,
    /// 0x88 -> 3, 0x86 -> 4, 0x87 -> 5. Codes with no equivalent map to the nearest meaning:
    /// Banned (0x8A) -> 5, Bad authentication method (0x8C) -> 4, anything else -> 3 (server unavailable).
    /// </summary>
    public static byte ToConnectReturnCode(ReasonCode reasonCode) => reasonCode switch
    {
        ReasonCode.Success => 0,
        ReasonCode.UnsupportedProtocolVersion => 1,
        ReasonCode.ClientIdentifierNotValid => 2,
        ReasonCode.ServerUnavailable => 3,
        ReasonCode.BadUserNameOrPassword => 4,
        ReasonCode.NotAuthorized => 5,
        ReasonCode.Banned => 5,
        ReasonCode.BadAuthenticationMethod => 4,
        _ => 3,
    };

    /// <summary>The v5 reason code for a 3.1/3.1.1 CONNACK return code; false for the reserved values 6-255.</summary>
    public static bool TryFromConnectReturnCode(byte returnCode, out ReasonCode reasonCode)
    {
        reasonCode = returnCode switch
        {
            0 => ReasonCode.Success,
            1 => ReasonCode.UnsupportedProtocolVersion,
            2 => ReasonCode.ClientIdentifierNotValid,
            3 => ReasonCode.ServerUnavailable,
            4 => ReasonCode.BadUserNameOrPassword,
            5 => ReasonCode.NotAuthorized,
            _ => ReasonCode.UnspecifiedError,
        };
        return returnCode <= MaximumConnectReturnCode;
    }

    /// <summary>The v5 reason code for a 3.1/3.1.1 CONNACK return code (reserved values map to Unspecified error).</summary>
    public static ReasonCode FromConnectReturnCode(byte returnCode)
    {
        TryFromConnectReturnCode(returnCode, out var reasonCode);
        return reasonCode;
    }

    /// <summary>The 3.1/3.1.1 SUBACK return code: granted QoS 0-2 unchanged, any failure (>= 0x80) as 0x80.</summary>
    public static byte ToSubAckReturnCode(ReasonCode reasonCode) =>
        (byte)reasonCode >= 0x80 ? (byte)0x80 : (byte)reasonCode <= 2 ? (byte)reasonCode : (byte)0x80;

    /// <summary>The v5 reason code for a 3.1/3.1.1 SUBACK return code (0x80 -> Unspecified error).</summary>
    public static ReasonCode FromSubAckReturnCode(byte returnCode) => returnCode switch
    {
        0 => ReasonCode.GrantedQoS0,
        1 => ReasonCode.GrantedQoS1,
        2 => ReasonCode.GrantedQoS2,
        _ => ReasonCode.UnspecifiedError,
    };
}
