using System.Net;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Transport.Tests;

/// <summary>A real <see cref="MqttServer"/> on a free loopback port with the test handler; stopped on dispose.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(MqttServer server, TestHandlerFactory handlers)
    {
        Server = server;
        Handlers = handlers;
    }

    public MqttServer Server { get; }

    public TestHandlerFactory Handlers { get; }

    public IPEndPoint EndPoint => Server.TcpEndPoint!;

    public static async Task<TestServer> StartAsync(Action<TransportOptions>? configure = null, TestHandlerFactory? handlers = null)
    {
        var options = new TransportOptions { BindAddress = "127.0.0.1", Port = 0, EventLoopThreads = 2 };
        configure?.Invoke(options);
        handlers ??= new TestHandlerFactory();
        var server = new MqttServer(options, handlers, NullLoggerFactory.Instance);
        try
        {
            await server.StartAsync();
        }
        catch
        {
            await server.StopAsync();
            throw;
        }
        return new TestServer(server, handlers);
    }

    public async Task<TestHandler> WaitForHandlerAsync(int index = 0)
    {
        await Eventually.TrueAsync(() => Handlers.Handlers.Count > index, "a connection handler to be created");
        return Handlers.Handlers.ElementAt(index);
    }

    public async ValueTask DisposeAsync() => await Server.StopAsync();
}

internal static class Eventually
{
    /// <summary>Polls the condition until it holds; fails the test after the timeout.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting for {what}.");
            await Task.Delay(10);
        }
    }

    public static async Task<T> WithTimeout<T>(this Task<T> task, string what, TimeSpan? timeout = null)
    {
        Task winner = await Task.WhenAny(task, Task.Delay(timeout ?? TimeSpan.FromSeconds(10)));
        if (winner != task)
            Assert.Fail($"Timed out waiting for {what}.");
        return await task;
    }

    public static async Task WithTimeout(this Task task, string what, TimeSpan? timeout = null)
    {
        Task winner = await Task.WhenAny(task, Task.Delay(timeout ?? TimeSpan.FromSeconds(10)));
        if (winner != task)
            Assert.Fail($"Timed out waiting for {what}.");
        await task;
    }
}
