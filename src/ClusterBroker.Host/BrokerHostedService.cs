using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Host;

/// <summary>
/// Runs a <see cref="BrokerHost"/> for the generic host: Ctrl+C and SIGTERM drain it (<see cref="BrokerHost.DrainAsync"/>)
/// and stop it; when it stops on its own (a drain asked through the admin API, or the cluster removed the node) the
/// application stops too, with exit code 0 after a drain and 1 after a removal.
/// </summary>
internal sealed class BrokerHostedService(BrokerHostSettings settings, ILoggerFactory loggerFactory, IHostApplicationLifetime lifetime) : IHostedService
{
    private BrokerHost? _host;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        BrokerHost host = await BrokerHost.StartAsync(settings, loggerFactory, cancellationToken).ConfigureAwait(false);
        _host = host;
        _ = host.Stopped.ContinueWith(
            _ =>
            {
                if (host.TerminatedUnexpectedly)
                    Environment.ExitCode = 1;
                lifetime.StopApplication();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _host?.DrainAsync() ?? Task.CompletedTask;
}
