namespace ClusterBroker.Core.Security;

/// <summary>A line of a password or ACL file that could not be used, with its 1-based line number. Never holds a secret.</summary>
public readonly record struct SecurityFileError(int Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}
