using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// A logger factory handed to the in-process broker that keeps every entry at Information or
/// above, so tests can check what the broker logged (e.g. one line per rejected connection).
/// </summary>
public sealed class LogCapture : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>Entries at Warning or above whose text contains the fragment.</summary>
    public IReadOnlyList<LogEntry> WarningsMentioning(string fragment) =>
        Entries.Where(e => e.Level >= LogLevel.Warning && e.Message.Contains(fragment, StringComparison.Ordinal)).ToList();

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), exception));
            }
        }
    }
}
