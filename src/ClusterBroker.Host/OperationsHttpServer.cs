using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace ClusterBroker.Host;

/// <summary>
/// The one HTTP listener of a node (Kestrel, minimal APIs): /metrics (Prometheus text format), /health/live,
/// /health/ready, and the admin API under /api/v1 (<see cref="AdminApi"/>, bearer token). Started before the
/// node joins its cluster, so liveness answers during the join and readiness says why it is not ready yet.
/// </summary>
internal sealed class OperationsHttpServer : IAsyncDisposable
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    private readonly WebApplication _app;

    private OperationsHttpServer(WebApplication app, IPEndPoint endPoint, BrokerPrometheusMetrics metrics)
    {
        _app = app;
        EndPoint = endPoint;
        Metrics = metrics;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The node's metrics, whose histograms the broker and the Redis probe are handed at start.</summary>
    public BrokerPrometheusMetrics Metrics { get; }

    public static async Task<OperationsHttpServer> StartAsync(HttpOptions options, BrokerHostState state, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "ClusterBroker.Host" });
        var address = IPAddress.Parse(options.BindAddress);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(address, options.Port);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        // The broker's generic host owns SIGTERM and Ctrl+C; this inner host must not react to them.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();

        WebApplication app = builder.Build();
        var metrics = new BrokerPrometheusMetrics(state);
        MapHealth(app, state);
        app.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
        AdminApi.Map(app.MapGroup("/api/v1"), state, options.AdminToken);

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        IServerAddressesFeature addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        int port = new Uri(addresses.Addresses.First()).Port;
        return new OperationsHttpServer(app, new IPEndPoint(address, port), metrics);
    }

    private static void MapHealth(WebApplication app, BrokerHostState state)
    {
        // Liveness: the process answers. It fails only when the node's actor system ended without a stop being asked
        // for (the cluster downed this node): the process then exits by itself, and this covers the moments before.
        app.MapGet("/health/live", context =>
        {
            BrokerHost? host = state.Host;
            if (host is not null && host.TerminatedUnexpectedly)
                return WriteJson(context, StatusCodes.Status503ServiceUnavailable, new { status = "dead", reason = "the node's actor system terminated (removed from the cluster)" });
            return WriteJson(context, StatusCodes.Status200OK, new { status = "alive" });
        });

        // Readiness: Up in the cluster, shard regions registered, not draining, and every extra check (Redis) passing.
        app.MapGet("/health/ready", async context =>
        {
            BrokerHost? host = state.Host;
            if (host is null)
            {
                await WriteJson(context, StatusCodes.Status503ServiceUnavailable, new { status = "starting", reasons = new[] { "the node is joining its cluster" } }).ConfigureAwait(false);
                return;
            }
            HostReadiness readiness = await host.GetReadinessAsync(context.RequestAborted).ConfigureAwait(false);
            await WriteJson(
                context,
                readiness.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
                new { status = readiness.Status, memberStatus = readiness.MemberStatus, draining = readiness.Draining, reasons = readiness.Reasons }).ConfigureAwait(false);
        });
    }

    internal static Task WriteJson(HttpContext context, int statusCode, object body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json);
        return context.Response.Body.WriteAsync(bytes, 0, bytes.Length, context.RequestAborted);
    }

    /// <summary>Compares a presented token with the configured one in constant time.</summary>
    internal static bool TokenMatches(string configured, string presented) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(configured)),
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
