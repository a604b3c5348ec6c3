namespace ClusterBroker.Core;

/// <summary>
/// A distribution the broker adds measurements to (delivery latency, Redis round trips). Core keeps no
/// metrics library: the host backs it with a Prometheus histogram. Implementations are thread-safe.
/// </summary>
public interface IHistogram
{
    void Observe(double value);
}
