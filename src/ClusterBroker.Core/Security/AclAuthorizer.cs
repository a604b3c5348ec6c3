using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Core.Security;

/// <summary>
/// The <see cref="IAuthorizer"/> of an ACL file (<see cref="AclFile"/>, Mosquitto's format). <see cref="Replace"/>
/// swaps the rules atomically and bumps <see cref="Version"/>, so every live connection resolves its rules again
/// before its next check: a reload takes effect without reconnecting.
/// </summary>
public sealed class AclAuthorizer : IAuthorizer
{
    private readonly ILogger _logger;
    private AclFile _rules;
    private int _version;

    public AclAuthorizer(AclFile rules, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The rules in force.</summary>
    public AclFile Rules => Volatile.Read(ref _rules);

    public int Version => Volatile.Read(ref _version);

    /// <summary>Puts new rules in force for every connection, live ones included.</summary>
    public void Replace(AclFile rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Volatile.Write(ref _rules, rules);
        Interlocked.Increment(ref _version);
    }

    public IAccessPolicy GetPolicy(AccessSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        AclPolicy policy = AclPolicy.For(Rules, subject, out string? refusal);
        if (refusal is not null)
        {
            _logger.LogWarning(
                "ACL: client {ClientId} from {RemoteEndPoint} is refused every topic: {Reason}",
                subject.ClientId, subject.RemoteEndPoint, refusal);
        }

        return policy;
    }
}
