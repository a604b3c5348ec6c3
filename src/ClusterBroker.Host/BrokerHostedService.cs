using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Host;

/// <summary>Runs a <see cref="BrokerHost"/> for the generic host (Ctrl+C and SIGTERM stop it cleanly).</summary>
internal sealed class BrokerHostedService(BrokerHostSettings settings, ILoggerFactory loggerFactory) : IHostedService
{
    private BrokerHost? _host;

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _host = await BrokerHost.StartAsync(settings, loggerFactory, cancellationToken).ConfigureAwait(false);

    public Task StopAsync(CancellationToken cancellationToken) => _host?.StopAsync() ?? Task.CompletedTask;
}
