namespace ClusterBroker.Transport;

/// <summary>
/// Quotas and flood protection of one listener ("Transport:Quotas", "Transport:Tls:Quotas",
/// "Transport:WebSocket:Quotas"). Every limit is off (0) by default; a listener without limits costs nothing extra.
/// </summary>
public sealed class ListenerQuotaOptions
{
    /// <summary>Open connections on this listener above which new ones are closed at once; 0 = unlimited.</summary>
    public int MaxConnections { get; set; }

    /// <summary>New connections per second accepted on this listener (token bucket); 0 = unlimited. Others are closed at once.</summary>
    public double ConnectionRate { get; set; }

    /// <summary>Connections accepted at once before <see cref="ConnectionRate"/> applies; 0 = the rate rounded up (at least 1).</summary>
    public int ConnectionBurst { get; set; }

    /// <summary>MQTT bytes per second read from each client (token bucket); 0 = unlimited. Above it the client's reads pause.</summary>
    public long BytesPerSecond { get; set; }

    /// <summary>Bytes a client may send at once before <see cref="BytesPerSecond"/> applies; 0 = one second's worth.</summary>
    public long BytesBurst { get; set; }

    /// <summary>PUBLISH packets per second read from each client (token bucket); 0 = unlimited. Above it the client's reads pause.</summary>
    public double PublishRate { get; set; }

    /// <summary>PUBLISHes a client may send at once before <see cref="PublishRate"/> applies; 0 = one second's worth (at least 1).</summary>
    public int PublishBurst { get; set; }

    /// <summary>
    /// A 5.0 client that keeps exceeding its publish rate or byte rate this long (it never falls back under the limit)
    /// gets DISCONNECT 0x96 Message rate too high or 0x97 Quota exceeded; 0 (default) = never, the client is only slowed.
    /// 3.1.1 clients, which have no such reason code, are only slowed.
    /// </summary>
    public TimeSpan DisconnectAfter { get; set; }

    /// <summary>True when any per-client limit (bytes, publishes) is set.</summary>
    public bool LimitsClients => BytesPerSecond > 0 || PublishRate > 0;

    /// <summary>True when any per-listener limit (connections) is set.</summary>
    public bool LimitsConnections => MaxConnections > 0 || ConnectionRate > 0;

    public ListenerQuotaOptions Clone() => (ListenerQuotaOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting (under <paramref name="section"/>) that is wrong.</summary>
    public void Validate(string section)
    {
        if (MaxConnections < 0)
            throw new ArgumentException($"{section}:MaxConnections must be 0 (unlimited) or more (got {MaxConnections}).");
        if (ConnectionRate < 0 || double.IsNaN(ConnectionRate) || double.IsInfinity(ConnectionRate))
            throw new ArgumentException($"{section}:ConnectionRate must be 0 (unlimited) or a positive number of connections per second (got {ConnectionRate}).");
        if (ConnectionBurst < 0)
            throw new ArgumentException($"{section}:ConnectionBurst must be 0 (default) or more (got {ConnectionBurst}).");
        if (BytesPerSecond < 0)
            throw new ArgumentException($"{section}:BytesPerSecond must be 0 (unlimited) or more (got {BytesPerSecond}).");
        if (BytesBurst < 0)
            throw new ArgumentException($"{section}:BytesBurst must be 0 (default) or more (got {BytesBurst}).");
        if (PublishRate < 0 || double.IsNaN(PublishRate) || double.IsInfinity(PublishRate))
            throw new ArgumentException($"{section}:PublishRate must be 0 (unlimited) or a positive number of messages per second (got {PublishRate}).");
        if (PublishBurst < 0)
            throw new ArgumentException($"{section}:PublishBurst must be 0 (default) or more (got {PublishBurst}).");
        if (DisconnectAfter < TimeSpan.Zero)
            throw new ArgumentException($"{section}:DisconnectAfter must be 0 (never) or positive (got {DisconnectAfter}).");
    }
}
