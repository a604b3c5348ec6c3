using ClusterBroker.Core.Connections;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core;

/// <summary>
/// Node-wide counters for $SYS and metrics, updated with interlocked operations from any thread.
/// The transport reports bytes through <see cref="AddBytesReceived"/> and <see cref="AddBytesSent"/>.
/// </summary>
public sealed class BrokerMetrics : ITrafficMeter, IQuotaMeter
{
    private long _clientsConnected;
    // Indexed by QoS (0, 1, 2). The totals are their sums.
    private readonly long[] _messagesReceived = new long[3];
    private readonly long[] _messagesSent = new long[3];
    private readonly long[] _payloadBytesReceived = new long[3];
    private readonly long[] _payloadBytesSent = new long[3];
    private IHistogram? _deliveryLatency;
    private long _bytesReceived;
    private long _bytesSent;
    private long _messagesDropped;
    private long _connectionsAccepted;
    private readonly long[] _refusedByReason = new long[256];
    private long _authenticationFailures;
    private long _publishesDenied;
    private long _publishesNotStored;
    private long _subscriptionsDenied;
    private long _deliveriesDenied;
    private long _repeatsSuppressed;
    private readonly long[] _quotaEvents = new long[Enum.GetValues<QuotaEvent>().Length];

    public long ClientsConnected => Volatile.Read(ref _clientsConnected);
    public long MessagesReceived => Sum(_messagesReceived);
    public long MessagesSent => Sum(_messagesSent);
    public long BytesReceived => Volatile.Read(ref _bytesReceived);
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>Messages dropped because a session queue was full or they expired in it.</summary>
    public long MessagesDropped => Volatile.Read(ref _messagesDropped);

    /// <summary>CONNECTs the authenticator refused (bad credentials, anonymous refused, banned address).</summary>
    public long AuthenticationFailures => Volatile.Read(ref _authenticationFailures);

    /// <summary>PUBLISHes (and Wills) the ACL refused.</summary>
    public long PublishesDenied => Volatile.Read(ref _publishesDenied);

    /// <summary>QoS 1/2 PUBLISHes not acknowledged as a success because the publish journal could not store them.</summary>
    public long PublishesNotStored => Volatile.Read(ref _publishesNotStored);

    /// <summary>SUBSCRIBE filters the ACL refused.</summary>
    public long SubscriptionsDenied => Volatile.Read(ref _subscriptionsDenied);

    /// <summary>Messages not delivered to a subscriber because the ACL does not let it read the topic.</summary>
    public long DeliveriesDenied => Volatile.Read(ref _deliveriesDenied);

    /// <summary>Copies of a message a resumed session had already been given (it came along two paths while the session moved), not sent again.</summary>
    public long RepeatsSuppressed => Volatile.Read(ref _repeatsSuppressed);


    /// <summary>PUBLISH packets received from clients with this QoS.</summary>
    public long MessagesReceivedWith(QualityOfService qos) => Volatile.Read(ref _messagesReceived[(int)qos]);

    /// <summary>PUBLISH packets sent to clients with this QoS (after any downgrade to the subscription's QoS).</summary>
    public long MessagesSentWith(QualityOfService qos) => Volatile.Read(ref _messagesSent[(int)qos]);

    /// <summary>Application payload bytes of the PUBLISH packets received with this QoS (headers and properties not included).</summary>
    public long PayloadBytesReceivedWith(QualityOfService qos) => Volatile.Read(ref _payloadBytesReceived[(int)qos]);

    /// <summary>Application payload bytes of the PUBLISH packets sent with this QoS.</summary>
    public long PayloadBytesSentWith(QualityOfService qos) => Volatile.Read(ref _payloadBytesSent[(int)qos]);

    /// <summary>
    /// Where sampled deliveries report the time from the PUBLISH's arrival to its write to the subscriber, in seconds
    /// (see <see cref="Messages.LatencySampler"/>); null = not measured. Set by the host before clients connect.
    /// </summary>
    public IHistogram? DeliveryLatency
    {
        get => Volatile.Read(ref _deliveryLatency);
        set => Volatile.Write(ref _deliveryLatency, value);
    }

    /// <summary>CONNECTs accepted (CONNACK with success) since start.</summary>
    public long ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>CONNECTs refused since start with this CONNACK reason code (5.0 codes; 3.1.1 clients get the mapped return code).</summary>
    public long ConnectionsRefused(ReasonCode reasonCode) => Volatile.Read(ref _refusedByReason[(byte)reasonCode]);

    /// <summary>Every reason code with at least one refused CONNECT, and its count (a copy).</summary>
    public List<(ReasonCode ReasonCode, long Count)> RefusedConnections()
    {
        var refused = new List<(ReasonCode, long)>();
        for (int i = 0; i < _refusedByReason.Length; i++)
        {
            long count = Volatile.Read(ref _refusedByReason[i]);
            if (count > 0)
                refused.Add(((ReasonCode)i, count));
        }
        return refused;
    }

    public void ClientConnected()
    {
        Interlocked.Increment(ref _clientsConnected);
        Interlocked.Increment(ref _connectionsAccepted);
    }

    public void ConnectionRefused(ReasonCode reasonCode) => Interlocked.Increment(ref _refusedByReason[(byte)reasonCode]);
    public void ClientDisconnected() => Interlocked.Decrement(ref _clientsConnected);

    public void MessageReceived(QualityOfService qos, int payloadBytes)
    {
        Interlocked.Increment(ref _messagesReceived[(int)qos]);
        Interlocked.Add(ref _payloadBytesReceived[(int)qos], payloadBytes);
    }

    public void MessageSent(QualityOfService qos, int payloadBytes)
    {
        Interlocked.Increment(ref _messagesSent[(int)qos]);
        Interlocked.Add(ref _payloadBytesSent[(int)qos], payloadBytes);
    }

    /// <summary>Reports a sampled delivery written now: <paramref name="receivedTimestamp"/> is the PUBLISH's <see cref="System.Diagnostics.Stopwatch"/> arrival.</summary>
    public void ObserveDeliveryLatency(long receivedTimestamp) =>
        DeliveryLatency?.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(receivedTimestamp).TotalSeconds);
    public void MessageDropped() => Interlocked.Increment(ref _messagesDropped);
    public void AuthenticationFailed() => Interlocked.Increment(ref _authenticationFailures);
    public void PublishDenied() => Interlocked.Increment(ref _publishesDenied);
    public void PublishNotStored() => Interlocked.Increment(ref _publishesNotStored);
    public void SubscriptionDenied() => Interlocked.Increment(ref _subscriptionsDenied);
    public void DeliveryDenied() => Interlocked.Increment(ref _deliveriesDenied);

    public void RepeatSuppressed() => Interlocked.Increment(ref _repeatsSuppressed);
    public void Count(QuotaEvent quotaEvent) => Interlocked.Increment(ref _quotaEvents[(int)quotaEvent]);

    /// <summary>How often the listeners' quotas did this (<see cref="QuotaEvent"/>).</summary>
    public long QuotaEvents(QuotaEvent quotaEvent) => Volatile.Read(ref _quotaEvents[(int)quotaEvent]);

    /// <summary>The name of a quota event in $SYS topics and metric labels: ConnectionsOverLimit -> connections-over-limit.</summary>
    public static string QuotaEventName(QuotaEvent quotaEvent)
    {
        string name = quotaEvent.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
                builder.Append('-');
            builder.Append(char.ToLowerInvariant(name[i]));
        }
        return builder.ToString();
    }

    public void AddBytesReceived(long count) => Interlocked.Add(ref _bytesReceived, count);
    public void AddBytesSent(long count) => Interlocked.Add(ref _bytesSent, count);

    private static long Sum(long[] byQoS) =>
        Volatile.Read(ref byQoS[0]) + Volatile.Read(ref byQoS[1]) + Volatile.Read(ref byQoS[2]);
}
