namespace ClusterBroker.Core;

/// <summary>
/// The rules of one client (see <see cref="IAuthorizer.GetPolicy"/>). Immutable: it may be shared between
/// connections and called from any thread.
/// </summary>
public interface IAccessPolicy
{
    /// <summary>
    /// The decision for a topic name (<see cref="AccessKind.Publish"/>, <see cref="AccessKind.Read"/>) or a topic
    /// filter (<see cref="AccessKind.Subscribe"/>, without any $share/{group}/ prefix).
    /// </summary>
    AccessDecision Check(AccessKind kind, string topic);
}
