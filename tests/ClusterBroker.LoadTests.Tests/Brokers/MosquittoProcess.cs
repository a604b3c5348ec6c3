using ClusterBroker.LoadTests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Brokers;

/// <summary>
/// Mosquitto from the Debian package, with its own config in a temp directory. Its per-client queue
/// limit (1,000 by default) is raised: on a busy CI machine a subscriber can stall long enough to overflow
/// it, and these tests check the runner's counting, not mosquitto's default limits.
/// </summary>
public sealed class MosquittoProcess : BrokerProcess
{
    public override BrokerSpec Spec { get; } = new(BrokerKind.Mosquitto, "Mosquitto") { ExtraConfigLines = ["max_queued_messages 1000000"] };
}
