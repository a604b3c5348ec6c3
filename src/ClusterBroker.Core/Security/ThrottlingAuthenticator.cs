using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Core.Security;

/// <summary>
/// Makes password guessing slow around any <see cref="IAuthenticator"/>: each refused attempt (0x86 Bad user
/// name or password, 0x87 Not authorized) is counted for its source address (<see cref="FailedAttemptTracker"/>)
/// and answered only after <c>failureDelay</c>; an address with too many recent failures is banned for a while,
/// its CONNECTs refused at once with 0x8A Banned (3.1.1: return code 5) without checking any credentials.
/// Successful attempts pass straight through, without allocation or delay. The ban is logged once when it starts.
/// </summary>
public sealed class ThrottlingAuthenticator : IAuthenticator
{
    private readonly IAuthenticator _inner;
    private readonly FailedAttemptTracker _tracker;
    private readonly TimeSpan _failureDelay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ThrottlingAuthenticator(IAuthenticator inner, FailedAttemptTracker tracker, TimeSpan failureDelay, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(tracker);
        _inner = inner;
        _tracker = tracker;
        _failureDelay = failureDelay;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public IAuthenticator Inner => _inner;

    public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string address = FailedAttemptTracker.AddressOf(request.RemoteEndPoint);
        if (_tracker.IsBanned(address, out TimeSpan remaining))
        {
            return ValueTask.FromResult(AuthenticationResult.Fail(
                ReasonCode.Banned,
                $"Too many failed authentication attempts from this address; try again in {Math.Ceiling(remaining.TotalSeconds):0} s."));
        }

        ValueTask<AuthenticationResult> pending = _inner.AuthenticateAsync(request, cancellationToken);
        if (pending.IsCompletedSuccessfully && pending.Result.IsSuccess)
        {
            return pending;
        }

        return CountFailureAsync(pending, address, cancellationToken);
    }

    private async ValueTask<AuthenticationResult> CountFailureAsync(ValueTask<AuthenticationResult> pending, string address, CancellationToken cancellationToken)
    {
        AuthenticationResult result = await pending.ConfigureAwait(false);
        if (result.ReasonCode is not (ReasonCode.BadUserNameOrPassword or ReasonCode.NotAuthorized))
        {
            return result;
        }

        (int failures, bool banStarted) = _tracker.RecordFailure(address);
        if (banStarted)
        {
            _logger.LogWarning(
                "Authentication: address {Address} is banned for {BanSeconds} s after {Failures} failed attempts; its CONNECTs are refused with 0x8A Banned (3.1.1: 5) meanwhile",
                address, _tracker.BanDuration.TotalSeconds, failures);
        }

        if (_failureDelay > TimeSpan.Zero)
        {
            await Task.Delay(_failureDelay, _time, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }
}
