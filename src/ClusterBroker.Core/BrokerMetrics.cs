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
    private long _messagesReceived;
    private long _messagesSent;
    private long _bytesReceived;
    private long _bytesSent;
    private long _messagesDropped;
    private long _connectionsAccepted;
    private readonly long[] _refusedByReason = new long[256];
    private long _authenticationFailures;
    private long _publishesDenied;
    private long _subscriptionsDenied;
    private long _deliveriesDenied;
    private readonly long[] _quotaEvents = new long[Enum.GetValues<QuotaEvent>().Length];

    public long ClientsConnected => Volatile.Read(ref _clientsConnected);
    public long MessagesReceived => Volatile.Read(ref _messagesReceived);
    public long MessagesSent => Volatile.Read(ref _messagesSent);
    public long BytesReceived => Volatile.Read(ref _bytesReceived);
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>Messages dropped because a session queue was full or they expired in it.</summary>
    public long MessagesDropped => Volatile.Read(ref _messagesDropped);

    /// <summary>CONNECTs the authenticator refused (bad credentials, anonymous refused, banned address).</summary>
    public long AuthenticationFailures => Volatile.Read(ref _authenticationFailures);

    /// <summary>PUBLISHes (and Wills) the ACL refused.</summary>
    public long PublishesDenied => Volatile.Read(ref _publishesDenied);

    /// <summary>SUBSCRIBE filters the ACL refused.</summary>
    public long SubscriptionsDenied => Volatile.Read(ref _subscriptionsDenied);

    /// <summary>Messages not delivered to a subscriber because the ACL does not let it read the topic.</summary>
    public long DeliveriesDenied => Volatile.Read(ref _deliveriesDenied);


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
    public void MessageReceived() => Interlocked.Increment(ref _messagesReceived);
    public void MessageSent() => Interlocked.Increment(ref _messagesSent);
    public void MessageDropped() => Interlocked.Increment(ref _messagesDropped);
    public void AuthenticationFailed() => Interlocked.Increment(ref _authenticationFailures);
    public void PublishDenied() => Interlocked.Increment(ref _publishesDenied);
    public void SubscriptionDenied() => Interlocked.Increment(ref _subscriptionsDenied);
    public void DeliveryDenied() => Interlocked.Increment(ref _deliveriesDenied);
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
}
