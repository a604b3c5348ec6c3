using System.Globalization;

namespace ClusterBroker.LoadTests.Reporting;

/// <summary>Number formatting shared by every report (invariant culture).</summary>
public static class Units
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Count(double value) => value.ToString("N0", Invariant);

    public static string Rate(double perSecond) => $"{perSecond.ToString("N0", Invariant)}/s";

    public static string Millis(long micros) => $"{(micros / 1000.0).ToString("0.00", Invariant)} ms";

    public static string Seconds(double seconds) => $"{seconds.ToString("0.00", Invariant)} s";

    public static string Percent(double percent) => $"{percent.ToString("0", Invariant)}%";

    public static string Ratio(double ratio) => $"{(ratio * 100).ToString("0.###", Invariant)}%";

    public static string Bytes(double bytes) => bytes switch
    {
        >= 1 << 30 => $"{(bytes / (1 << 30)).ToString("0.00", Invariant)} GiB",
        >= 1 << 20 => $"{(bytes / (1 << 20)).ToString("0.0", Invariant)} MiB",
        >= 1 << 10 => $"{(bytes / (1 << 10)).ToString("0.0", Invariant)} KiB",
        _ => $"{bytes.ToString("0", Invariant)} B",
    };
}
