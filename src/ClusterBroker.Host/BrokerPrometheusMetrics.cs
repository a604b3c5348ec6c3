using ClusterBroker.Core.Connections;
using Akka.Cluster;
using ClusterBroker.Cluster;
using ClusterBroker.Core;
using ClusterBroker.Core.Routing;
using ClusterBroker.Protocol;
using Prometheus;

namespace ClusterBroker.Host;

/// <summary>
/// The Prometheus metrics of one broker node, in a registry of its own (several in-process hosts never mix).
/// Nothing here runs on the message path: every value is read from the counters the broker keeps anyway
/// (<see cref="BrokerMetrics"/>, <see cref="ClusterMetrics"/>, the router, the route table, the transport) in a
/// callback prometheus-net runs before each scrape. Names follow Prometheus conventions: counters end in
/// _total, sizes are in bytes. README.md ("Metrics") lists them.
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
    private readonly Gauge _members;
    private readonly Gauge _unreachable;
    private readonly Gauge _routes;
    private readonly Counter _forwardsSent;
    private readonly Counter _forwardsReceived;
    private readonly Counter _forwardBatches;
    private readonly Counter _deltasSent;
    private readonly Counter _deltasReceived;
    private readonly Counter _snapshotsSent;
    private readonly Counter _snapshotsReceived;
    private readonly Counter _sessionsLost;
    private readonly Counter _authFailures;
    private readonly Counter _aclDenied;
    private readonly Counter _quotaEvents;
    private readonly Gauge _draining;
    private readonly Gauge _threadPoolThreads;
    private readonly Gauge _threadPoolQueue;
    private readonly Counter _threadPoolCompleted;
    private readonly Counter _gcPause;
    private readonly Gauge _gcHeap;
    private readonly Counter _allocated;

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
        _subscriptions = f.CreateGauge("clusterbroker_subscriptions", "Subscriptions of the sessions on this node.");
        _retained = f.CreateGauge("clusterbroker_retained_messages", "Retained messages in the store this node uses.");
        _messagesReceived = f.CreateCounter("clusterbroker_messages_received_total", "PUBLISH packets received from clients.");
        _messagesSent = f.CreateCounter("clusterbroker_messages_sent_total", "PUBLISH packets sent to clients.");
        _bytesReceived = f.CreateCounter("clusterbroker_received_bytes_total", "Bytes received from clients (MQTT frames).");
        _bytesSent = f.CreateCounter("clusterbroker_sent_bytes_total", "Bytes sent to clients (MQTT frames).");
        _messagesDropped = f.CreateCounter("clusterbroker_messages_dropped_total", "Messages dropped, by reason: queue_full_or_expired (a session queue was full or the message expired in it), qos0_backpressure (a QoS 0 message to a client whose socket was not keeping up), shared_group_no_member (a shared-group message with no member left in the cluster).", "reason");
        _members = f.CreateGauge("clusterbroker_cluster_members", "Cluster members as this node sees them, by member status (joining, weaklyup, up, leaving, exiting, down).", "status");
        _unreachable = f.CreateGauge("clusterbroker_cluster_unreachable_members", "Cluster members this node's failure detector finds unreachable.");
        _routes = f.CreateGauge("clusterbroker_cluster_routes", "Routes (filter, node) other nodes announced to this one.");
        _forwardsSent = f.CreateCounter("clusterbroker_cluster_forwards_sent_total", "Messages forwarded to other nodes (one per destination node per message).");
        _forwardsReceived = f.CreateCounter("clusterbroker_cluster_forwards_received_total", "Messages other nodes forwarded to this one.");
        _forwardBatches = f.CreateCounter("clusterbroker_cluster_forward_batches_sent_total", "Batches the forwarded messages travelled in.");
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
        _subscriptions.Set(context.Router.SubscriptionCount);
        _retained.Set(context.Retained.Count);
        _messagesReceived.IncTo(m.MessagesReceived);
        _messagesSent.IncTo(m.MessagesSent);
        _bytesReceived.IncTo(m.BytesReceived);
        _bytesSent.IncTo(m.BytesSent);
        _messagesDropped.WithLabels("queue_full_or_expired").IncTo(m.MessagesDropped);
        _authFailures.IncTo(m.AuthenticationFailures);
        _aclDenied.WithLabels("publish").IncTo(m.PublishesDenied);
        _aclDenied.WithLabels("subscribe").IncTo(m.SubscriptionsDenied);
        _aclDenied.WithLabels("deliver").IncTo(m.DeliveriesDenied);
        _messagesDropped.WithLabels("qos0_backpressure").IncTo(host.DroppedQoS0Messages);
        foreach (QuotaEvent quotaEvent in Enum.GetValues<QuotaEvent>())
            _quotaEvents.WithLabels(BrokerMetrics.QuotaEventName(quotaEvent)).IncTo(m.QuotaEvents(quotaEvent));

        ClusterMetrics c = node.ClusterMetrics;
        _messagesDropped.WithLabels("shared_group_no_member").IncTo(c.SharedMessagesDropped);
        _routes.Set(node.Routes.Count);
        _forwardsSent.IncTo(c.ForwardsSent);
        _forwardsReceived.IncTo(c.ForwardsReceived);
        _forwardBatches.IncTo(c.ForwardBatchesSent);
        _deltasSent.IncTo(c.RouteDeltasSent);
        _deltasReceived.IncTo(c.RouteDeltasReceived);
        _snapshotsSent.IncTo(c.SnapshotsSent);
        _snapshotsReceived.IncTo(c.SnapshotsReceived);
        _sessionsLost.IncTo(c.SessionsLost);

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
