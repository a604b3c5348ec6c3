namespace ClusterBroker.Core;

/// <summary>
/// The authorization hook: which topics a client may publish to, subscribe to and receive. The channel asks
/// it once per connection for the client's <see cref="IAccessPolicy"/>, again whenever <see cref="Version"/>
/// changed (the rules were reloaded), and caches the policy's answers per connection
/// (<see cref="Security.ConnectionAccess"/>). It is asked at PUBLISH, SUBSCRIBE, every delivery (retained and
/// queued messages included) and Will publication.
/// Without an authorizer every client may use every topic, except the built-in rule that no client publishes
/// to a topic starting with '$'.
/// </summary>
public interface IAuthorizer
{
    /// <summary>Changes (increments) each time the rules change; cached decisions of an older version are dropped.</summary>
    int Version { get; }

    /// <summary>The rules that apply to one client. Called off the hot path (at CONNECT and after a reload).</summary>
    IAccessPolicy GetPolicy(AccessSubject subject);
}
