using System.Net.Sockets;
using System.Text;

namespace ClusterBroker.Cluster.Links;

/// <summary>Opens a forward link: connects to the destination's listener and says hello (<see cref="ForwardLinkProtocol"/>).</summary>
public static class ForwardLinkConnector
{
    /// <summary>
    /// The connected socket, once the listener accepted the hello. Throws <see cref="ForwardLinkRefusedException"/> with
    /// the listener's reason when it refuses, <see cref="IOException"/> when nothing answers within
    /// <paramref name="timeout"/>, <see cref="SocketException"/> when the connection fails.
    /// </summary>
    public static async Task<Socket> ConnectAsync(ForwardLinkProtocol.Target target, TimeSpan timeout, CancellationToken cancel = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(target.Host, target.Port, deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(ForwardLinkProtocol.WriteHello(target.Hello), SocketFlags.None, deadline.Token).ConfigureAwait(false);
            byte[] answer = new byte[1];
            if (await socket.ReceiveAsync(answer, SocketFlags.None, deadline.Token).ConfigureAwait(false) == 0)
            {
                throw new ForwardLinkRefusedException("the listener closed the connection without answering");
            }

            if (answer[0] != ForwardLinkProtocol.Accepted)
            {
                throw new ForwardLinkRefusedException("refused: " + await ReadReasonAsync(socket, deadline.Token).ConfigureAwait(false));
            }

            return socket;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            socket.Dispose();
            throw new IOException($"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<string> ReadReasonAsync(Socket socket, CancellationToken cancel)
    {
        byte[] buffer = new byte[1024];
        int filled = 0;
        int n;
        while (filled < buffer.Length && (n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancel).ConfigureAwait(false)) > 0)
        {
            filled += n;
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(buffer, 0, filled), Encoding.UTF8);
            return r.ReadString();
        }
        catch (EndOfStreamException)
        {
            return "(no reason given)";
        }
    }
}

/// <summary>The other node's listener answered, but not with a link (its reason in the message): the port is reachable.</summary>
public sealed class ForwardLinkRefusedException(string message) : IOException(message);
