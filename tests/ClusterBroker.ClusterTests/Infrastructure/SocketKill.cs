using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// Breaks established TCP connections from outside the process that owns them: <c>ss -K</c> (the kernel's socket
/// destroy, as when a connection is reset on the network). Needs root and a kernel with INET_DIAG_DESTROY.
/// </summary>
public static class SocketKill
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Why this machine cannot kill sockets (not root, no ss, no socket destroy), or null when it can.</summary>
    public static string? UnavailableBecause => Unavailable.Value;

    /// <summary>Destroys every established connection to 127.0.0.1:<paramref name="port"/> made from this machine (the connecting ends).</summary>
    public static async Task ToPortAsync(int port)
    {
        (int exit, string output) = await RunAsync("ss", "-K", "-t", "dst", "127.0.0.1", "dport", "=", port.ToString(CultureInfo.InvariantCulture));
        if (exit != 0)
        {
            throw new InvalidOperationException($"ss -K to port {port} failed ({exit}): {output}");
        }
    }

    private static string? Probe()
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            using Socket accepted = listener.AcceptSocket();
            ToPortAsync(port).GetAwaiter().GetResult();
            try
            {
                client.Client.Send([1]);
                client.Client.ReceiveTimeout = 2000;
                int read = client.Client.Receive(new byte[1]);
                return read == 0 ? null : "ss -K did not break a loopback connection";
            }
            catch (SocketException)
            {
                return null; // destroyed, as wanted
            }
        }
        catch (Exception ex)
        {
            return $"cannot destroy sockets with ss -K here (needs root and INET_DIAG_DESTROY): {ex.Message}";
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within 10 s");
        }

        return (process.ExitCode, (await output) + (await error));
    }
}

/// <summary>A test that breaks TCP connections with <see cref="SocketKill"/>; skipped, saying why, where it cannot.</summary>
public sealed class SocketKillFactAttribute : FactAttribute
{
    public SocketKillFactAttribute()
    {
        if (SocketKill.UnavailableBecause is { } reason)
        {
            Skip = "No socket destroy on this machine: " + reason;
        }
    }
}
