namespace ClusterBroker.Core.Security;

/// <summary>The access an ACL rule grants: the Mosquitto keywords read, write, readwrite, and deny (grants nothing and wins over every allow).</summary>
[Flags]
public enum AclAccess : byte
{
    Deny = 0,
    Read = 1,
    Write = 2,
    ReadWrite = Read | Write,
}
