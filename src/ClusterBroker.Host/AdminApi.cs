using Akka.Actor;
using ClusterBroker.Cluster;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core;
using ClusterBroker.Core.Channel;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ConnectionInfo = ClusterBroker.Core.Channel.ConnectionInfo;

namespace ClusterBroker.Host;

/// <summary>
/// The admin API (JSON) under /api/v1, every call authorised by "Authorization: Bearer TOKEN" against
/// Http:AdminToken; with no token configured every call is refused (403), a wrong or missing one gets 401.
/// The cluster view is the whole cluster as this node sees it; clients, kicks, subscriptions and retained
/// deletes act on this node (ask each node, e.g. each pod, for its own clients). README.md ("Admin API") documents
/// each endpoint.
/// </summary>
internal static class AdminApi
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    public static void Map(RouteGroupBuilder api, BrokerHostState state, string adminToken)
    {
        api.AddEndpointFilter(async (invocation, next) =>
        {
            HttpContext context = invocation.HttpContext;
            if (string.IsNullOrEmpty(adminToken))
                return Results.Json(new { error = "the admin API is disabled: no Http:AdminToken is configured" }, OperationsHttpServer.Json, statusCode: StatusCodes.Status403Forbidden);
            string? header = context.Request.Headers.Authorization;
            if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                || !OperationsHttpServer.TokenMatches(adminToken, header["Bearer ".Length..].Trim()))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"clusterbroker\"";
                return Results.Json(new { error = "missing or wrong bearer token" }, OperationsHttpServer.Json, statusCode: StatusCodes.Status401Unauthorized);
            }
            if (state.Host is null)
                return Results.Json(new { error = "the node is still starting" }, OperationsHttpServer.Json, statusCode: StatusCodes.Status503ServiceUnavailable);
            return await next(invocation).ConfigureAwait(false);
        });

        api.MapGet("/cluster", () => Cluster(state.Host!));
        api.MapGet("/clients", (HttpContext context) => Clients(state.Host!, context.Request.Query));
        api.MapGet("/clients/{clientId}", (string clientId) => Client(state.Host!, Uri.UnescapeDataString(clientId)));
        api.MapDelete("/clients/{clientId}", (string clientId) => Kick(state.Host!, Uri.UnescapeDataString(clientId)));
        api.MapGet("/clients/{clientId}/subscriptions", (string clientId) => SubscriptionsAsync(state.Host!, Uri.UnescapeDataString(clientId)));
        api.MapDelete("/retained", (HttpContext context) => DeleteRetained(state.Host!, context.Request.Query["topic"]));
        api.MapPost("/drain", () => Drain(state.Host!));
    }

    private static IResult Json(object body, int status = StatusCodes.Status200OK) => Results.Json(body, OperationsHttpServer.Json, statusCode: status);

    private static IResult Cluster(BrokerHost host)
    {
        ClusterView view = host.Node.GetClusterView();
        return Json(new
        {
            name = view.Name,
            self = view.SelfAddress,
            leader = view.Leader,
            draining = host.Draining,
            members = view.Members,
        });
    }

    private static IResult Clients(BrokerHost host, IQueryCollection query)
    {
        string prefix = query["prefix"].ToString();
        string? username = query.ContainsKey("username") ? query["username"].ToString() : null;
        if (!TryInt(query["offset"], 0, out int offset) || offset < 0)
            return Json(new { error = "offset must be a whole number, 0 or more" }, StatusCodes.Status400BadRequest);
        if (!TryInt(query["limit"], DefaultPageSize, out int limit) || limit is < 1 or > MaxPageSize)
            return Json(new { error = $"limit must be between 1 and {MaxPageSize}" }, StatusCodes.Status400BadRequest);

        var matching = new List<ConnectionInfo>();
        foreach (MqttChannel channel in host.Node.Context.Connections.Snapshot())
        {
            ConnectionInfo info = channel.Describe();
            if (info.Connected && info.ClientId is { } id && id.StartsWith(prefix, StringComparison.Ordinal)
                && (username is null || string.Equals(info.Username, username, StringComparison.Ordinal)))
                matching.Add(info);
        }
        matching.Sort((a, b) => string.CompareOrdinal(a.ClientId, b.ClientId));
        var page = new List<object>();
        for (int i = offset; i < matching.Count && page.Count < limit; i++)
            page.Add(Describe(host, matching[i]));
        return Json(new { node = host.Node.Address.ToString(), total = matching.Count, offset, limit, clients = page });
    }

    private static IResult Client(BrokerHost host, string clientId) =>
        host.Node.Context.Connections.TryGetByClientId(clientId, out MqttChannel channel) && channel.Describe() is { Connected: true } info
            ? Json(Describe(host, info))
            : NotHere(host, "client", clientId);

    private static IResult Kick(BrokerHost host, string clientId)
    {
        if (!host.Node.Context.Connections.TryGetByClientId(clientId, out MqttChannel channel))
            return NotHere(host, "client", clientId);
        // MQTT 5 clients get DISCONNECT 0x98 (Administrative action); 3.1.1 clients are closed.
        _ = channel.DisconnectFromServer(ReasonCode.AdministrativeAction);
        return Json(new { clientId, disconnected = true, reasonCode = (int)ReasonCode.AdministrativeAction });
    }

    private static async Task<IResult> SubscriptionsAsync(BrokerHost host, string clientId)
    {
        NodeRouter router = host.Node.Context.Router;
        if (!router.TryGetEndpoint(clientId, out SessionEndpoint endpoint))
            return NotHere(host, "session", clientId);
        List<Subscription> subscriptions = router.GetSubscriptions(endpoint);
        // A connected client's waiting messages are in its connection; an offline session's in its session entity,
        // which may live on another node.
        int? queued = null, inflight = null;
        string? queueError = null;
        if (host.Node.Context.Connections.TryGetByClientId(clientId, out MqttChannel channel) && channel.IsConnected)
        {
            queued = channel.QueuedCount;
            inflight = channel.InflightCount;
        }
        else
        {
            try
            {
                SessionQueueReport report = await host.Node.QuerySessionQueueAsync(clientId, TimeSpan.FromSeconds(5));
                queued = report.Queued;
                inflight = report.Inflight;
            }
            catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException or TimeoutException)
            {
                queueError = "the session entity did not answer within 5 s";
            }
        }
        return Json(new
        {
            clientId,
            online = endpoint.IsOnline,
            queued,
            inflight,
            queueError,
            subscriptions = subscriptions.Select(s => new
            {
                filter = s.Filter,
                qos = (int)s.QoS,
                noLocal = s.NoLocal,
                retainAsPublished = s.RetainAsPublished,
                retainHandling = (int)s.RetainHandling,
                subscriptionIdentifier = s.SubscriptionIdentifier,
            }).ToList(),
        });
    }

    private static IResult DeleteRetained(BrokerHost host, string? topic)
    {
        if (string.IsNullOrEmpty(topic) || topic.Contains('+') || topic.Contains('#'))
            return Json(new { error = "give the topic name (no wildcards) as ?topic=" }, StatusCodes.Status400BadRequest);
        BrokerContext context = host.Node.Context;
        var probe = new List<BrokerMessage>(1);
        context.Retained.GetMatching(topic, probe, context.NowUnixMs());
        // An empty retained message deletes the topic's retained message ([MQTT-3.3.1-6]); stored directly, not published,
        // so subscribers receive nothing.
        context.Retained.Retain(new BrokerMessage { Topic = topic, Retain = true, Payload = ReadOnlyMemory<byte>.Empty });
        return Json(new { topic, deleted = probe.Count > 0 });
    }

    private static IResult Drain(BrokerHost host)
    {
        bool started = !host.Draining;
        _ = host.DrainAsync();
        return Json(new { draining = true, alreadyDraining = !started, periodSeconds = host.DrainPeriod.TotalSeconds }, StatusCodes.Status202Accepted);
    }

    private static object Describe(BrokerHost host, ConnectionInfo info) => new
    {
        clientId = info.ClientId,
        node = host.Node.Address.ToString(),
        connectionId = info.ConnectionId,
        remoteEndPoint = info.RemoteEndPoint,
        protocolVersion = info.ProtocolVersion switch
        {
            ProtocolVersion.V310 => "3.1",
            ProtocolVersion.V311 => "3.1.1",
            ProtocolVersion.V500 => "5.0",
            _ => info.ProtocolVersion.ToString(),
        },
        username = info.Username,
        keepAliveSeconds = (int)info.KeepAliveSeconds,
        sessionExpiryInterval = info.SessionExpiryInterval,
        cleanStart = info.CleanStart,
        connectedAt = DateTimeOffset.FromUnixTimeMilliseconds(info.ConnectedAtUnixMs),
    };

    private static IResult NotHere(BrokerHost host, string what, string clientId) =>
        Json(new { error = $"no {what} '{clientId}' on this node ({host.Node.Address}); each node answers for its own clients" }, StatusCodes.Status404NotFound);

    private static bool TryInt(Microsoft.Extensions.Primitives.StringValues value, int fallback, out int result)
    {
        if (value.Count == 0 || string.IsNullOrEmpty(value[0]))
        {
            result = fallback;
            return true;
        }
        return int.TryParse(value[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out result);
    }
}
