using ClusterBroker.Core.Channel;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Retained;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Core;

/// <summary>
/// The node-wide services every connection shares: options, router, retained store, session owner,
/// live connections, authenticator, authorizer, metrics, clock and loggers. Built once per node by the composition
/// root (BrokerNode) or by tests.
/// </summary>
public sealed class BrokerContext
{
    public BrokerContext(
        BrokerOptions options,
        ISessionRegistry sessions,
        ILoggerFactory? loggerFactory = null,
        IAuthenticator? authenticator = null,
        IRetainedMessageStore? retained = null,
        TimeProvider? timeProvider = null,
        IAuthorizer? authorizer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sessions);
        Options = options;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Authenticator = authenticator ?? new AnonymousAuthenticator(allowAnonymous: true);
        Authorizer = authorizer;
        Retained = retained ?? new InMemoryRetainedMessageStore();
        TimeProvider = timeProvider ?? TimeProvider.System;
        Routing.Sharing.SharedStrategies.TryGet(options.SharedSubscriptionStrategy, out Routing.Sharing.ISharedStrategy strategy);
        Router = new NodeRouter(sessions)
        {
            QueueQoS0Messages = options.QueueQoS0Messages,
            SharedStrategy = strategy,
            SharedGroupQueueLimit = options.MaxQueuedMessagesPerSharedGroup,
            Logger = LoggerFactory.CreateLogger("ClusterBroker.Core.Routing.SharedGroups"),
        };
        Connections = new ConnectionRegistry();
        Metrics = new BrokerMetrics();
        ChannelLogger = LoggerFactory.CreateLogger("ClusterBroker.Core.Channel.MqttChannel");
        SessionLogger = LoggerFactory.CreateLogger("ClusterBroker.Core.Sessions");
        TopicLimits = new TopicLimits(options.MaxTopicLength, options.MaxTopicLevels);
        StartedAt = TimeProvider.GetUtcNow();
    }

    public BrokerOptions Options { get; }
    public ILoggerFactory LoggerFactory { get; }
    public IAuthenticator Authenticator { get; }

    /// <summary>The ACL; null when every client may use every topic (but for the built-in rules of <see cref="Security.ConnectionAccess"/>).</summary>
    public IAuthorizer? Authorizer { get; }
    public IRetainedMessageStore Retained { get; }
    public TimeProvider TimeProvider { get; }
    public NodeRouter Router { get; }
    public ISessionRegistry Sessions => Router.Sessions;
    public ConnectionRegistry Connections { get; }
    public BrokerMetrics Metrics { get; }
    public ILogger ChannelLogger { get; }
    public ILogger SessionLogger { get; }
    public TopicLimits TopicLimits { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>Set while the node shuts down: new CONNECTs are refused with 0x8B.</summary>
    public bool ShuttingDown { get; set; }

    /// <summary>
    /// Set while this node sees only a minority of its cluster (it will be downed unless the others come back):
    /// new CONNECTs are refused with 0x88, so clients go to the majority.
    /// </summary>
    public bool InClusterMinority
    {
        get => Volatile.Read(ref _inClusterMinority);
        set => Volatile.Write(ref _inClusterMinority, value);
    }

    private bool _inClusterMinority;

    public long NowUnixMs() => TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Where QoS 1/2 messages are written before their publisher's acknowledgement (durable sessions in a cluster with
    /// Redis); null = nowhere (a single node, or Sessions:Durability Memory). Set once by the composition root.
    /// </summary>
    public IPublishJournal? Journal { get; set; }

    /// <summary>
    /// Where the QoS 2 flows of persistent sessions are written before each step is sent (durable sessions); null = nowhere.
    /// Set once by the composition root.
    /// </summary>
    public IQoS2DeliveryLog? QoS2Deliveries { get; set; }

    /// <summary>
    /// Publishes a message on this node: stores it as retained when its RETAIN flag is set (and retain is
    /// available), then routes it. Returns the number of copies routed (sessions here, forwards to other nodes).
    /// </summary>
    public int Publish(BrokerMessage message) => Publish(message, out _);

    /// <summary>
    /// Publishes a message on this node: routes it at once and, without waiting for them, starts storing it as
    /// retained when its RETAIN flag is set (and retain is available) and writing it to the <see cref="Journal"/> when
    /// it is QoS 1/2 and went anywhere. <paramref name="stored"/> completes when both are done (at once without them):
    /// with true when the acknowledgement may say success, false when the journal could not store the message. The
    /// channel acknowledges a QoS 1/2 PUBLISH only then. Returns the number of copies routed.
    /// </summary>
    public int Publish(BrokerMessage message, out ValueTask<bool> stored)
    {
        // A retained copy drops its receive timestamp (sent to a later subscriber, it would measure how long it was
        // retained) and its identity (a subscriber gets it as a new delivery, never as a repeat of the live one).
        ValueTask retained = message.Retain && Options.RetainAvailable
            ? Retained.Retain(message.ReceivedTimestamp == 0 && message.Id == 0 ? message : message with { ReceivedTimestamp = 0, Id = 0 })
            : default;
        // Only what reaches a persistent session is journaled: the replay is for them, and clean subscribers never wait on Redis.
        IPublishJournal? journal = message.QoS == Protocol.QualityOfService.AtMostOnce ? null : Journal;
        bool reachesPersistent = false;
        int routed = journal is null ? Router.Publish(message) : Router.Publish(message, out reachesPersistent);
        ValueTask<bool> journaled = journal is not null && reachesPersistent ? journal.AppendAsync(message) : new ValueTask<bool>(true);
        if (retained.IsCompleted)
        {
            retained.GetAwaiter().GetResult();
            stored = journaled;
        }
        else
        {
            stored = AfterBoth(retained, journaled);
        }

        return routed;
    }

    // The retained store's tasks never fault (IRetainedMessageStore): a failed retained write was counted and logged there.
    private static async ValueTask<bool> AfterBoth(ValueTask retained, ValueTask<bool> journaled)
    {
        await retained.ConfigureAwait(false);
        return await journaled.ConfigureAwait(false);
    }
}
