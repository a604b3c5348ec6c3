using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using DotNetty.Transport.Channels;
using DotNetty.Transport.Channels.Sockets;

namespace ClusterBroker.Transport.Internal;

/// <summary>
/// Shuts down the sending side of a connection's socket (a FIN after the queued bytes) while the channel keeps reading.
/// DotNetty's own <see cref="TcpSocketChannel.ShutdownOutputAsync"/> cannot be used for this: it calls
/// <see cref="Socket.Shutdown"/>, after which .NET reports the socket as not connected, DotNetty's next read returns
/// "closed" and the channel closes with the client's input unread, which resets the connection: the very thing the
/// half-close is there to avoid. So the system call is made on the descriptor directly, leaving the managed socket's
/// state alone (Linux; elsewhere nothing is shut down and the connection only lingers).
/// </summary>
internal static partial class SocketHalfClose
{
    private const int ShutWrite = 1; // SHUT_WR

    private static readonly FieldInfo? s_socketField =
        typeof(AbstractSocketChannel).GetField("Socket", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>True when the FIN was requested; false when this platform or channel does not allow it.</summary>
    public static bool TryShutdownOutput(IChannel channel)
    {
        if (!OperatingSystem.IsLinux() || channel is not AbstractSocketChannel || s_socketField?.GetValue(channel) is not Socket socket)
        {
            return false;
        }

        try
        {
            return Shutdown(socket.SafeHandle.DangerousGetHandle(), ShutWrite) == 0;
        }
        catch (Exception e) when (e is ObjectDisposedException or DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(nint socket, int how);
}
