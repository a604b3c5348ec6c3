using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Storage.Redis.Tests.Infrastructure;

/// <summary>A logger factory that keeps every entry at Information or above, so tests can check what was logged.</summary>
public sealed class LogCapture : ILoggerFactory
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>Messages at Warning or above containing every fragment.</summary>
    public IReadOnlyList<string> Warnings(params string[] fragments) =>
        Entries.Where(e => e.Level >= LogLevel.Warning && fragments.All(f => e.Message.Contains(f, StringComparison.Ordinal))).Select(e => e.Message).ToList();

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._entries.Enqueue((logLevel, category, formatter(state, exception)));
            }
        }
    }
}
