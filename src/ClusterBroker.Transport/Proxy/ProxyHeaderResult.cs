using System.Net;

namespace ClusterBroker.Transport.Proxy;

/// <summary>What <see cref="ProxyHeaderParser"/> made of the bytes so far.</summary>
internal readonly record struct ProxyHeaderResult(ProxyHeaderStatus Status, int Consumed, IPEndPoint? Source, string? Error)
{
    public static ProxyHeaderResult NeedMore => new(ProxyHeaderStatus.NeedMore, 0, null, null);

    /// <param name="source">The client's address, or null when the header names none (LOCAL, UNKNOWN, non-IP).</param>
    public static ProxyHeaderResult Complete(int consumed, IPEndPoint? source) => new(ProxyHeaderStatus.Complete, consumed, source, null);

    public static ProxyHeaderResult Invalid(string error) => new(ProxyHeaderStatus.Invalid, 0, null, error);
}

internal enum ProxyHeaderStatus
{
    NeedMore,
    Complete,
    Invalid,
}
