namespace ClusterBroker.Host;

/// <summary>
/// Runs .NET socket completions on the socket engine's epoll thread instead of queueing them to the thread pool.
/// </summary>
/// <remarks>
/// Every socket of the broker (MQTT listeners, Akka remoting) is a DotNetty channel, whose completion
/// callback only posts the read to the channel's event loop. Queueing that tiny callback to the thread pool
/// first costs a thread-pool wake-up (a futex and a context switch) per read. At a fixed 20,000 QoS 1 msg/s
/// over 20 pairs this alone took context switches per message from 3.4 to 1.7 and broker CPU per message
/// from 34 to 28 us (one run each; the session's combined figures are in loadtests/RESULTS.md, "Broker CPU
/// per message"). The runtime reads the variable once,
/// when the socket engine starts, so this must run before any socket is opened. A value the operator set
/// is left alone (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 turns it off).
/// </remarks>
internal static class SocketCompletionMode
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void UseInlineCompletionsUnlessConfigured()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
