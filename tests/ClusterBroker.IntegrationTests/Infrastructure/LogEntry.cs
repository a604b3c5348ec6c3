using Microsoft.Extensions.Logging;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>One captured log line of the broker.</summary>
public sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {Category}: {Message}";
}
