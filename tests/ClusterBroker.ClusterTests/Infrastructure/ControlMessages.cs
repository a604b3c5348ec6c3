using System.Text;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// Payloads of the harness's own messages (route probes, fences): they start with "~ct~" so tests
/// can leave them out of what they count.
/// </summary>
public static class ControlMessages
{
    public const string Prefix = "~ct~";

    private static readonly byte[] PrefixBytes = Encoding.UTF8.GetBytes(Prefix);

    /// <summary>A fresh token; payloads built from it are recognised by <see cref="Carries"/>.</summary>
    public static string NewToken(string kind) => $"{Prefix}{kind}~{Guid.NewGuid():N}~";

    public static bool IsControl(ReadOnlySpan<byte> payload) => payload.StartsWith(PrefixBytes);

    public static bool IsControl(string payload) => payload.StartsWith(Prefix, StringComparison.Ordinal);

    public static bool Carries(string payloadOrLine, string token) => payloadOrLine.Contains(token, StringComparison.Ordinal);
}
