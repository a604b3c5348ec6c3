namespace ClusterBroker.Core;

/// <summary>An <see cref="IAccessPolicy"/>'s answer.</summary>
public enum AccessDecision : byte
{
    /// <summary>No rule speaks about the topic: refused, except where a built-in rule allows it ($SYS is readable).</summary>
    NoRule,

    /// <summary>A rule allows it.</summary>
    Allowed,

    /// <summary>A rule denies it explicitly (deny rules win over every allow rule).</summary>
    Denied,
}
