using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Core.Security;

/// <summary>
/// The brute-force throttle of <see cref="ThrottlingAuthenticator"/> for enhanced authentication: an address banned by
/// the shared <see cref="FailedAttemptTracker"/> is refused with 0x8A Banned at its first AUTH step, and an exchange
/// that ends with 0x86 or 0x87 counts as a failed attempt of its address.
/// </summary>
public sealed class ThrottlingEnhancedAuthenticator : IEnhancedAuthenticator
{
    private readonly IEnhancedAuthenticator _inner;
    private readonly FailedAttemptTracker _tracker;
    private readonly ILogger _logger;

    public ThrottlingEnhancedAuthenticator(IEnhancedAuthenticator inner, FailedAttemptTracker tracker, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(tracker);
        _inner = inner;
        _tracker = tracker;
        _logger = logger ?? NullLogger.Instance;
    }

    public IReadOnlyCollection<string> Methods => _inner.Methods;

    public IAuthenticationExchange? Start(string method, string remoteEndPoint)
    {
        IAuthenticationExchange? exchange = _inner.Start(method, remoteEndPoint);
        return exchange is null ? null : new Exchange(this, exchange, FailedAttemptTracker.AddressOf(remoteEndPoint));
    }

    private sealed class Exchange(ThrottlingEnhancedAuthenticator owner, IAuthenticationExchange inner, string address) : IAuthenticationExchange
    {
        private bool _checked;

        public AuthenticationStep Next(ReadOnlySpan<byte> clientData)
        {
            if (!_checked)
            {
                _checked = true;
                if (owner._tracker.IsBanned(address, out TimeSpan remaining))
                {
                    return AuthenticationStep.Fail(ReasonCode.Banned, $"Too many failed authentication attempts from this address; try again in {Math.Ceiling(remaining.TotalSeconds):0} s.");
                }
            }

            AuthenticationStep step = inner.Next(clientData);
            if (step.ReasonCode is ReasonCode.BadUserNameOrPassword or ReasonCode.NotAuthorized)
            {
                (int failures, bool banStarted) = owner._tracker.RecordFailure(address);
                if (banStarted)
                {
                    owner._logger.LogWarning(
                        "Authentication: address {Address} is banned for {BanSeconds} s after {Failures} failed attempts; its CONNECTs are refused with 0x8A Banned meanwhile",
                        address, owner._tracker.BanDuration.TotalSeconds, failures);
                }
            }

            return step;
        }
    }
}
