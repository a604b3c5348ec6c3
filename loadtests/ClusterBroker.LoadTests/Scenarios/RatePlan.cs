namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// How many messages one publisher should have sent after t seconds: a fixed rate, optionally reached by
/// a linear ramp; or unbounded (rate 0), in which case only flow control (bounded inflight) paces it.
/// </summary>
public sealed record RatePlan(double RatePerSecond, double RampSeconds, long MaxMessages)
{
    public bool Unpaced => RatePerSecond <= 0;

    public long DueAt(double seconds)
    {
        if (Unpaced)
        {
            return MaxMessages > 0 ? MaxMessages : long.MaxValue;
        }

        double due;
        if (RampSeconds > 0 && seconds < RampSeconds)
        {
            due = RatePerSecond * seconds * seconds / (2 * RampSeconds);
        }
        else
        {
            var rampPart = RampSeconds > 0 ? RatePerSecond * RampSeconds / 2 : 0;
            due = rampPart + (RatePerSecond * (seconds - Math.Max(0, RampSeconds)));
        }

        var count = (long)Math.Floor(due) + 1;
        return MaxMessages > 0 ? Math.Min(count, MaxMessages) : count;
    }

    /// <summary>When (seconds from the start) message number <paramref name="sequence"/> (0-based) falls due.</summary>
    public double DueTime(long sequence)
    {
        if (Unpaced || sequence <= 0)
        {
            return 0;
        }

        var rampMessages = RampSeconds > 0 ? RatePerSecond * RampSeconds / 2 : 0;
        return RampSeconds > 0 && sequence < rampMessages
            ? Math.Sqrt(2 * RampSeconds * sequence / RatePerSecond)
            : Math.Max(0, RampSeconds) + ((sequence - rampMessages) / RatePerSecond);
    }

    /// <summary>The current rate, to decide how long to sleep when nothing is due.</summary>
    public double RateAt(double seconds) =>
        RampSeconds > 0 && seconds < RampSeconds ? Math.Max(1, RatePerSecond * seconds / RampSeconds) : RatePerSecond;
}
