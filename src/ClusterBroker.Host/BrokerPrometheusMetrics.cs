using ClusterBroker.Core.Connections;
using Akka.Cluster;
using ClusterBroker.Cluster;
using ClusterBroker.Core;
using ClusterBroker.Core.Channel;
using ClusterBroker.Core.Routing;
using ClusterBroker.Protocol;
using Prometheus;

namespace ClusterBroker.Host;

/// <summary>
/// The Prometheus metrics of one broker node, in a registry of its own (several in-process hosts never mix).
/// Nearly every value is read from the counters the broker keeps anyway (<see cref="BrokerMetrics"/>,
/// <see cref="ClusterMetrics"/>, the router, the route table, the transport, the Redis stores) in a callback
/// prometheus-net runs before each scrape. Two histograms are fed as things happen: the delivery latency of
/// sampled messages (<see cref="DeliveryLatency"/>, handed to the broker) and the Redis round trip
/// (<see cref="RedisRoundTrips"/>, handed to the Redis probe). Names follow Prometheus conventions: counters end in
/// _total, durations are in seconds, sizes in bytes. README.md ("Metrics") lists them.
/// </summary>
internal sealed class BrokerPrometheusMetrics
{
    private readonly BrokerHostState _state;

    private readonly Gauge _connections;
    private readonly Gauge _clientsConnected;
    private readonly Counter _connectionsAccepted;
    private readonly Counter _connectionsRefused;
    private readonly Gauge _sessions;
    private readonly Gauge _subscriptions;
    private readonly Gauge _retained;
    private readonly Counter _messagesReceived;
    private readonly Counter _messagesSent;
    private readonly Counter _bytesReceived;
    private readonly Counter _bytesSent;
    private readonly Counter _messagesDropped;
    private readonly Gauge _sharedWaiting;
    private readonly Gauge _members;
    private readonly Gauge _unreachable;
    private readonly Gauge _routes;
    private readonly Counter _forwardsSent;
    private readonly Counter _forwardsReceived;
    private readonly Counter _forwardBatches;
    private readonly Gauge _forwardLinksOpen;
    private readonly Counter _forwardLinkEvents;
    private readonly Counter _forwardsReceivedOverLinks;
    private readonly Counter _deltasSent;
    private readonly Counter _deltasReceived;
    private readonly Counter _snapshotsSent;
    private readonly Counter _snapshotsReceived;
    private readonly Counter _sessionsLost;
    private readonly Counter _authFailures;
    private readonly Counter _aclDenied;
    private readonly Counter _repeatsSuppressed;
    private readonly Counter _quotaEvents;
    private readonly Gauge _draining;
    private readonly Gauge _threadPoolThreads;
    private readonly Gauge _threadPoolQueue;
    private readonly Counter _threadPoolCompleted;
    private readonly Counter _gcPause;
    private readonly Gauge _gcHeap;
    private readonly Counter _allocated;
    private readonly Counter _payloadBytesReceived;
    private readonly Counter _payloadBytesSent;
    private readonly Gauge _persistentSessions;
    private readonly Gauge _inflight;
    private readonly Gauge _queued;
    private readonly Histogram _inflightPerConnection;
    private readonly Histogram _queuedPerConnection;
    private readonly Gauge _offlineQueued;
    private readonly Histogram _queuedPerOfflineSession;
    private readonly Counter _nodeForwards;
    private readonly Counter _redisErrors;

    // The three QoS label values, in QualityOfService order.
    private static readonly string[] s_qos = ["0", "1", "2"];

    public BrokerPrometheusMetrics(BrokerHostState state)
    {
        _state = state;
        Registry = Metrics.NewCustomRegistry();
        // prometheus-net's default process and GC collectors: process_cpu_seconds_total, process_resident_memory_bytes,
        // process_open_handles, process_num_threads, process_start_time_seconds, dotnet_collection_count_total{generation},
        // dotnet_total_memory_bytes.
        DotNetStats.Register(Registry);
        MetricFactory f = Metrics.WithCustomRegistry(Registry);

        _connections = f.CreateGauge("clusterbroker_connections", "Open network connections (TCP, TLS, WebSocket), whether CONNECT was accepted yet or not.");
        _clientsConnected = f.CreateGauge("clusterbroker_clients_connected", "Clients connected (CONNECT accepted, connection open).");
        _connectionsAccepted = f.CreateCounter("clusterbroker_connections_accepted_total", "CONNECTs accepted (CONNACK success) since start.");
        _connectionsRefused = f.CreateCounter("clusterbroker_connections_refused_total", "CONNECTs refused since start, by CONNACK reason (MQTT 5 reason code name; not_authorized and bad_user_name_or_password are authentication failures).", "reason");
        _sessions = f.CreateGauge("clusterbroker_sessions", "Sessions whose endpoint (subscriptions) is on this node: online = client connected here, offline = persistent session waiting for its client.", "state");
        _persistentSessions = f.CreateGauge("clusterbroker_sessions_persistent", "Sessions on this node that outlive their connection: online clients with a Session Expiry Interval (3.1.1: CleanSession 0) and every offline session.");
        _inflight = f.CreateGauge("clusterbroker_inflight_messages", "QoS 1/2 messages sent to the clients connected here and not yet acknowledged.");
        _queued = f.CreateGauge("clusterbroker_queued_messages", "Messages waiting for the clients connected here (mailbox and behind the inflight window); offline sessions' queues are clusterbroker_offline_queued_messages.");
        // Sampled at scrape time: one observation per connected client per scrape. rate(_bucket) / rate(_count)
        // gives the share of clients at each depth; the figures cost one pass over the connections per scrape.
        _inflightPerConnection = f.CreateHistogram("clusterbroker_connection_inflight_messages", "Inflight QoS 1/2 messages per connected client, one observation per client at each scrape.",
            new HistogramConfiguration { Buckets = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 65535] });
        _queuedPerConnection = f.CreateHistogram("clusterbroker_connection_queued_messages", "Messages waiting per connected client (mailbox and behind the inflight window), one observation per client at each scrape.",
            new HistogramConfiguration { Buckets = [0, 1, 10, 100, 1000, 10000, 100000] });
        _offlineQueued = f.CreateGauge("clusterbroker_offline_queued_messages", "Messages waiting for offline persistent sessions whose session entities live on this node.");
        _queuedPerOfflineSession = f.CreateHistogram("clusterbroker_offline_session_queued_messages", "Messages waiting per offline persistent session whose entity lives on this node, one observation per session at each scrape.",
            new HistogramConfiguration { Buckets = [0, 1, 10, 100, 1000, 10000, 100000] });
        DeliveryLatency = new PrometheusHistogram(f.CreateHistogram("clusterbroker_delivery_latency_seconds",
            "Time from a PUBLISH's arrival at this node to the write of each copy to a subscriber on this node, for 1 in 64 PUBLISHes per publisher connection (forwarded copies and retained messages are not measured).",
            new HistogramConfiguration { Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] }));
        RedisRoundTrips = new PrometheusHistogram(f.CreateHistogram("clusterbroker_redis_round_trip_seconds",
            "Round trip of a PING to Redis, every 5 s (only with Redis configured).",
            new HistogramConfiguration { Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] }));
        _redisErrors = f.CreateCounter("clusterbroker_redis_errors_total", "Redis failures, by kind: connection_failed (a connection lost or not made), ping_failed (the probe's PING failed or timed out), retained_write_lost (a retained write Redis did not confirm), retained_read_failed (a lookup answered from the local index alone), journal_write_failed (a publish-journal write of durable sessions Redis did not confirm: its PUBLISH was not acknowledged as a success), qos2_record_failed (a step of a persistent session's QoS 2 flow Redis did not confirm: sent anyway, so a node loss before the flow ends may deliver it twice). Only with Redis configured.", "kind");
        _nodeForwards = f.CreateCounter("clusterbroker_cluster_node_forwards_sent_total", "Messages forwarded to another node, by destination node (host:port).", "node");
        _subscriptions = f.CreateGauge("clusterbroker_subscriptions", "Subscriptions of the sessions on this node.");
        _retained = f.CreateGauge("clusterbroker_retained_messages", "Retained messages in the store this node uses.");
        _messagesReceived = f.CreateCounter("clusterbroker_messages_received_total", "PUBLISH packets received from clients, by QoS.", "qos");
        _messagesSent = f.CreateCounter("clusterbroker_messages_sent_total", "PUBLISH packets sent to clients, by QoS (after the downgrade to the subscription's QoS; resends included).", "qos");
        _payloadBytesReceived = f.CreateCounter("clusterbroker_received_payload_bytes_total", "Application payload bytes of the PUBLISH packets received from clients, by QoS.", "qos");
        _payloadBytesSent = f.CreateCounter("clusterbroker_sent_payload_bytes_total", "Application payload bytes of the PUBLISH packets sent to clients, by QoS.", "qos");
        foreach (string qos in s_qos)
        {
            // Every QoS has a sample from the start, so a rate over a QoS never traffic used is 0, not absent.
            _messagesReceived.WithLabels(qos);
            _messagesSent.WithLabels(qos);
            _payloadBytesReceived.WithLabels(qos);
            _payloadBytesSent.WithLabels(qos);
        }
        _bytesReceived = f.CreateCounter("clusterbroker_received_bytes_total", "Bytes received from clients (MQTT frames).");
        _bytesSent = f.CreateCounter("clusterbroker_sent_bytes_total", "Bytes sent to clients (MQTT frames).");
        _messagesDropped = f.CreateCounter("clusterbroker_messages_dropped_total", "Messages dropped, by reason: queue_full_or_expired (a session queue was full or the message expired in it), qos0_backpressure (a QoS 0 message to a client whose socket was not keeping up), shared_group_no_member (a shared-group message with no member left in the cluster), shared_group_queue (a shared group's queue was full, or the group ended on this node with messages waiting and no other node had members).", "reason");
        _repeatsSuppressed = f.CreateCounter("clusterbroker_repeats_suppressed_total", "Copies of a message not delivered to a session that had it already, by where the copy came from: session_move (it came along two paths while the session moved between nodes), journal_replay (a crashed publisher node's journal routed it again to a persistent session of this node that had the original), crash_replay (a replay after a node loss brought it again to a session continued from the store that had it: its pending messages, or a QoS 2 message one of its connections was given).", "path");
        _sharedWaiting = f.CreateGauge("clusterbroker_shared_group_messages_waiting", "Shared-group QoS 1/2 messages waiting in group queues on this node for a member to come online.");
        _members = f.CreateGauge("clusterbroker_cluster_members", "Cluster members as this node sees them, by member status (joining, weaklyup, up, leaving, exiting, down).", "status");
        _unreachable = f.CreateGauge("clusterbroker_cluster_unreachable_members", "Cluster members this node's failure detector finds unreachable.");
        _routes = f.CreateGauge("clusterbroker_cluster_routes", "Routes (filter, node) other nodes announced to this one.");
        _forwardsSent = f.CreateCounter("clusterbroker_cluster_forwards_sent_total", "Messages forwarded to other nodes (one per destination node per message).");
        _forwardsReceived = f.CreateCounter("clusterbroker_cluster_forwards_received_total", "Messages other nodes forwarded to this one.");
        _forwardBatches = f.CreateCounter("clusterbroker_cluster_forward_batches_sent_total", "Batches the forwarded messages travelled in.");
        _forwardLinksOpen = f.CreateGauge("clusterbroker_cluster_forward_links_open", "Forward links from this node to other nodes open now (one per other node, unless it forwards through Akka remoting).");
        _forwardLinkEvents = f.CreateCounter("clusterbroker_cluster_forward_link_events_total", "Forward link events, by kind: failed (a link could not be opened, or broke while open; opened again), refused (a connection to this node's forward port that was not a link from a member meant for it), dropped (messages to forward dropped because their link stayed down past its buffer).", "kind");
        _forwardsReceivedOverLinks = f.CreateCounter("clusterbroker_cluster_forwards_received_over_links_total", "Of the messages other nodes forwarded to this one, those that came over forward links (the rest through Akka remoting).");
        _deltasSent = f.CreateCounter("clusterbroker_cluster_route_deltas_sent_total", "Route deltas sent (one per destination node).");
        _deltasReceived = f.CreateCounter("clusterbroker_cluster_route_deltas_received_total", "Route deltas received.");
        _snapshotsSent = f.CreateCounter("clusterbroker_cluster_route_snapshots_sent_total", "Complete route snapshots sent (to joining nodes, or after a sequence gap).");
        _snapshotsReceived = f.CreateCounter("clusterbroker_cluster_route_snapshots_received_total", "Complete route snapshots received.");
        _sessionsLost = f.CreateCounter("clusterbroker_cluster_sessions_lost_total", "Persistent sessions lost because the node holding their client's state was removed from the cluster.");
        _authFailures = f.CreateCounter("clusterbroker_authentication_failures_total", "CONNECTs the authenticator refused (bad credentials, anonymous refused, banned address).");
        _aclDenied = f.CreateCounter("clusterbroker_acl_denied_total", "Operations the ACL refused, by action: publish (PUBLISH and Wills), subscribe (SUBSCRIBE filters), deliver (messages a subscriber may not read).", "action");
        _quotaEvents = f.CreateCounter("clusterbroker_quota_events_total", "What the listener quotas did, by event: connections-over-limit and connections-over-rate (new connections closed at once), publish-rate-throttled and bytes-throttled (a client's reads paused), disconnected-message-rate (DISCONNECT 0x96) and disconnected-quota-exceeded (0x97).", "event");
        _draining = f.CreateGauge("clusterbroker_draining", "1 while this node drains (not ready, disconnecting its clients), else 0.");
        _threadPoolThreads = f.CreateGauge("dotnet_threadpool_threads", "Thread-pool threads.");
        _threadPoolQueue = f.CreateGauge("dotnet_threadpool_queue_length", "Work items queued to the thread pool, not yet started.");
        _threadPoolCompleted = f.CreateCounter("dotnet_threadpool_completed_items_total", "Work items the thread pool completed.");
        _gcPause = f.CreateCounter("dotnet_gc_pause_seconds_total", "Time the garbage collector paused the process.");
        _gcHeap = f.CreateGauge("dotnet_gc_heap_size_bytes", "Managed heap size after the last collection.");
        _allocated = f.CreateCounter("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap.");

        Registry.AddBeforeCollectCallback(Update);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>The publish-to-delivery histogram, for <see cref="BrokerMetrics.DeliveryLatency"/>.</summary>
    public Core.IHistogram DeliveryLatency { get; }

    /// <summary>The Redis round-trip histogram, for the Redis probe.</summary>
    public Core.IHistogram RedisRoundTrips { get; }

    private void Update()
    {
        _threadPoolThreads.Set(ThreadPool.ThreadCount);
        _threadPoolQueue.Set(ThreadPool.PendingWorkItemCount);
        _threadPoolCompleted.IncTo(ThreadPool.CompletedWorkItemCount);
        _gcPause.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
        _gcHeap.Set(GC.GetGCMemoryInfo().HeapSizeBytes);
        _allocated.IncTo(GC.GetTotalAllocatedBytes());
        _draining.Set(_state.Host?.Draining == true ? 1 : 0);

        if (_state.Host is not { } host)
            return;
        BrokerNode node = host.Node;
        BrokerMetrics m = node.Metrics;
        BrokerContext context = node.Context;

        _connections.Set(host.ConnectionCount);
        _clientsConnected.Set(m.ClientsConnected);
        _connectionsAccepted.IncTo(m.ConnectionsAccepted);
        foreach ((ReasonCode reason, long count) in m.RefusedConnections())
            _connectionsRefused.WithLabels(ReasonName(reason)).IncTo(count);

        int online = 0, offline = 0;
        foreach (SessionEndpoint endpoint in context.Router.Endpoints())
        {
            if (endpoint.IsOnline)
                online++;
            else
                offline++;
        }
        _sessions.WithLabels("online").Set(online);
        _sessions.WithLabels("offline").Set(offline);
        UpdateConnectionFigures(context, offline);
        _subscriptions.Set(context.Router.SubscriptionCount);
        _retained.Set(context.Retained.Count);
        for (int q = 0; q < s_qos.Length; q++)
        {
            var qos = (QualityOfService)q;
            _messagesReceived.WithLabels(s_qos[q]).IncTo(m.MessagesReceivedWith(qos));
            _messagesSent.WithLabels(s_qos[q]).IncTo(m.MessagesSentWith(qos));
            _payloadBytesReceived.WithLabels(s_qos[q]).IncTo(m.PayloadBytesReceivedWith(qos));
            _payloadBytesSent.WithLabels(s_qos[q]).IncTo(m.PayloadBytesSentWith(qos));
        }
        _bytesReceived.IncTo(m.BytesReceived);
        _bytesSent.IncTo(m.BytesSent);
        _messagesDropped.WithLabels("queue_full_or_expired").IncTo(m.MessagesDropped);
        _authFailures.IncTo(m.AuthenticationFailures);
        _aclDenied.WithLabels("publish").IncTo(m.PublishesDenied);
        _aclDenied.WithLabels("subscribe").IncTo(m.SubscriptionsDenied);
        _aclDenied.WithLabels("deliver").IncTo(m.DeliveriesDenied);
        _repeatsSuppressed.WithLabels("session_move").IncTo(m.RepeatsSuppressed);
        _repeatsSuppressed.WithLabels("journal_replay").IncTo(context.Router.ReplayRepeatsSkipped);
        _messagesDropped.WithLabels("qos0_backpressure").IncTo(host.DroppedQoS0Messages);
        foreach (QuotaEvent quotaEvent in Enum.GetValues<QuotaEvent>())
            _quotaEvents.WithLabels(BrokerMetrics.QuotaEventName(quotaEvent)).IncTo(m.QuotaEvents(quotaEvent));

        ClusterMetrics c = node.ClusterMetrics;
        _messagesDropped.WithLabels("shared_group_no_member").IncTo(c.SharedMessagesDropped);
        _messagesDropped.WithLabels("shared_group_queue").IncTo(context.Router.SharedMessagesDropped);
        _sharedWaiting.Set(context.Router.SharedMessagesWaiting);
        _routes.Set(node.Routes.Count);
        _forwardsSent.IncTo(c.ForwardsSent);
        _forwardsReceived.IncTo(c.ForwardsReceived);
        _forwardBatches.IncTo(c.ForwardBatchesSent);
        _forwardLinksOpen.Set(c.ForwardLinksOpen);
        _forwardLinkEvents.WithLabels("failed").IncTo(c.ForwardLinkFailures);
        _forwardLinkEvents.WithLabels("refused").IncTo(c.ForwardLinksRefused);
        _forwardLinkEvents.WithLabels("dropped").IncTo(c.ForwardsDroppedLinkDown);
        _forwardsReceivedOverLinks.IncTo(c.ForwardsReceivedOverLinks);
        _deltasSent.IncTo(c.RouteDeltasSent);
        _deltasReceived.IncTo(c.RouteDeltasReceived);
        _snapshotsSent.IncTo(c.SnapshotsSent);
        _snapshotsReceived.IncTo(c.SnapshotsReceived);
        _sessionsLost.IncTo(c.SessionsLost);
        _repeatsSuppressed.WithLabels("crash_replay").IncTo(c.ReplayRepeatsSkipped);
        foreach ((string destination, long sent) in c.ForwardsByNode())
            _nodeForwards.WithLabels(destination).IncTo(sent);
        long offlineQueued = 0;
        foreach (int depth in c.OfflineQueues.Snapshot())
        {
            offlineQueued += depth;
            _queuedPerOfflineSession.Observe(depth);
        }
        _offlineQueued.Set(offlineQueued);

        if (host.Redis is { } redis)
        {
            _redisErrors.WithLabels("connection_failed").IncTo(redis.Connection.ConnectionFailures);
            _redisErrors.WithLabels("ping_failed").IncTo(redis.Probe?.Failures ?? 0);
            _redisErrors.WithLabels("retained_write_lost").IncTo(redis.Retained.Metrics.WritesLost);
            _redisErrors.WithLabels("retained_read_failed").IncTo(redis.Retained.Metrics.ReadsFailed);
            _redisErrors.WithLabels("journal_write_failed").IncTo(redis.Journal?.Failed ?? 0);
            _redisErrors.WithLabels("qos2_record_failed").IncTo(redis.Sessions?.QoS2RecordsFailed ?? 0);
        }

        if (!node.WhenTerminated.IsCompleted)
        {
            var counts = new Dictionary<MemberStatus, int>();
            foreach (MemberStatus status in Enum.GetValues<MemberStatus>())
                counts[status] = 0;
            ClusterEvent.CurrentClusterState clusterState = Akka.Cluster.Cluster.Get(node.ActorSystem).State;
            foreach (Member member in clusterState.Members)
                counts[member.Status]++;
            foreach ((MemberStatus status, int count) in counts)
                _members.WithLabels(status.ToString().ToLowerInvariant()).Set(count);
            _unreachable.Set(clusterState.Unreachable.Count);
        }
    }

    /// <summary>Persistent sessions, inflight and queued messages, read from each connection once per scrape.</summary>
    private void UpdateConnectionFigures(BrokerContext context, int offlineSessions)
    {
        int persistent = offlineSessions;
        long inflight = 0, queued = 0;
        foreach (MqttChannel channel in context.Connections.Snapshot())
        {
            if (!channel.IsConnected)
                continue;
            int channelInflight = channel.InflightCount, channelQueued = channel.QueuedCount;
            if (channel.HasPersistentSession)
                persistent++;
            inflight += channelInflight;
            queued += channelQueued;
            _inflightPerConnection.Observe(channelInflight);
            _queuedPerConnection.Observe(channelQueued);
        }
        _persistentSessions.Set(persistent);
        _inflight.Set(inflight);
        _queued.Set(queued);
    }

    /// <summary>snake_case of the reason code's name: NotAuthorized -> not_authorized.</summary>
    internal static string ReasonName(ReasonCode reason)
    {
        string name = reason.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
                builder.Append('_');
            builder.Append(char.ToLowerInvariant(name[i]));
        }
        return builder.ToString();
    }
}
