using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Tests.Infrastructure;

/// <summary>Collects log entries (level, formatted message, structured state) for assertions.</summary>
public sealed class ListLoggerProvider : ILoggerProvider, ILoggerFactory
{
    public ConcurrentQueue<(LogLevel Level, string Message, IReadOnlyList<KeyValuePair<string, object?>> State)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IEnumerable<(LogLevel Level, string Message, IReadOnlyList<KeyValuePair<string, object?>> State)> AtLeast(LogLevel level) =>
        Entries.Where(e => e.Level >= level);

    private sealed class ListLogger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var pairs = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            owner.Entries.Enqueue((logLevel, formatter(state, exception), pairs));
        }
    }
}
