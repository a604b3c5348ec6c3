using ClusterBroker.Protocol;

namespace ClusterBroker.Core;

/// <summary>
/// The answer to one step of an enhanced-authentication exchange: continue (AUTH 0x18 with <see cref="Data"/>),
/// success (CONNACK or AUTH 0x00 carrying the final <see cref="Data"/>, for the authenticated <see cref="Username"/>),
/// or failure with the reason code to refuse with.
/// </summary>
public readonly record struct AuthenticationStep(ReasonCode ReasonCode, ReadOnlyMemory<byte>? Data = null, string? Username = null, string? ReasonString = null)
{
    public bool IsSuccess => ReasonCode == ReasonCode.Success;

    public bool IsContinue => ReasonCode == ReasonCode.ContinueAuthentication;

    public static AuthenticationStep Continue(ReadOnlyMemory<byte> data) => new(ReasonCode.ContinueAuthentication, data);

    public static AuthenticationStep Succeed(ReadOnlyMemory<byte>? data, string username) => new(ReasonCode.Success, data, username);

    public static AuthenticationStep Fail(ReasonCode reasonCode, string reasonString) => new(reasonCode, ReasonString: reasonString);
}
