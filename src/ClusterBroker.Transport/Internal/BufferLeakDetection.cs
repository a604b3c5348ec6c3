using DotNetty.Common;

namespace ClusterBroker.Transport.Internal;

/// <summary>
/// DotNetty's pooled-buffer leak detector is on by default ("simple": one buffer in 128 is tracked through a
/// weak table and a finalizer). It is a debugging aid: in a profile of the broker under load its bookkeeping
/// showed up on the hot path, so it is off unless the operator asks for it with DotNetty's own setting
/// (environment variable <c>io.netty.leakDetection.level</c> = simple, advanced or paranoid).
/// </summary>
internal static class BufferLeakDetection
{
    private static readonly string[] Settings = ["io.netty.leakDetection.level", "io.netty.leakDetectionLevel"];

    public static void DisableUnlessConfigured()
    {
        foreach (string setting in Settings)
        {
            if (Environment.GetEnvironmentVariable(setting) is not null)
            {
                return;
            }
        }

        ResourceLeakDetector.Level = ResourceLeakDetector.DetectionLevel.Disabled;
    }
}
