namespace ClusterBroker.Core.Security;

/// <summary>One `topic` or `pattern` line of an ACL file: a topic filter (a pattern may hold %c and %u) and its access.</summary>
public readonly record struct AclRule(string Filter, AclAccess Access, int Line)
{
    public bool IsDeny => Access == AclAccess.Deny;
}
