namespace ClusterBroker.LoadTests.Measurement;

/// <summary>
/// Counted, never assumed: Expected is what publishers handed to the broker times the receivers that
/// must get it; Lost is what never arrived by the end of the drain; Duplicates were seen twice by the
/// same receiver (for a shared group: reached more than one member); OutOfOrder broke a publisher's order.
/// </summary>
public sealed record DeliveryTotals(
    long Expected,
    long Unique,
    long Lost,
    long Duplicates,
    long OutOfOrder,
    long Misrouted,
    long Foreign)
{
    public static DeliveryTotals Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);

    public double LossRatio => Expected == 0 ? 0 : (double)Lost / Expected;
}
