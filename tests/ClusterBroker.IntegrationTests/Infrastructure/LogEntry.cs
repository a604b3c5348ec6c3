using Microsoft.Extensions.Logging;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>One captured log line of the broker.</summary>
public sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception)
{
    /// <summary>When it was logged (UTC).</summary>
    public DateTime At { get; init; } = DateTime.UtcNow;

    public override string ToString() => $"{At:HH:mm:ss.fff} {Level} {Category}: {Message}";
}
