namespace ClusterBroker.Host;

/// <summary>Hands a prometheus-net histogram to code that knows only Core's <see cref="Core.IHistogram"/> (the broker, the Redis probe).</summary>
internal sealed class PrometheusHistogram(Prometheus.IHistogram histogram) : Core.IHistogram
{
    public void Observe(double value) => histogram.Observe(value);
}
