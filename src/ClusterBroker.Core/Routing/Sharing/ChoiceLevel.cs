namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>Which of the two choices of a shared-group placement is made (see <see cref="ISharedStrategy"/>).</summary>
public enum ChoiceLevel
{
    /// <summary>The publishing node picks a node among those with members.</summary>
    Node,

    /// <summary>The node picked picks one of its online members.</summary>
    Member,
}
