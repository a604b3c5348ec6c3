using ClusterBroker.Protocol;

namespace ClusterBroker.Core;

/// <summary>
/// The authenticator's answer: <see cref="ReasonCode.Success"/> or the CONNACK reason code to refuse with
/// (0x86 Bad user name or password, 0x87 Not authorized, 0x8A Banned...; mapped to the 3.1.1 return codes).
/// </summary>
public readonly record struct AuthenticationResult(ReasonCode ReasonCode, string? ReasonString = null)
{
    public static AuthenticationResult Success => default;

    public bool IsSuccess => ReasonCode == ReasonCode.Success;

    public static AuthenticationResult Fail(ReasonCode reasonCode, string? reasonString = null) => new(reasonCode, reasonString);
}
