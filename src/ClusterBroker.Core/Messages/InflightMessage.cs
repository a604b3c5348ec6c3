namespace ClusterBroker.Core.Messages;

/// <summary>
/// An outgoing QoS 1/2 message sent to the client and not yet acknowledged: its packet identifier and,
/// for QoS 2, whether PUBREC arrived (then only PUBREL/PUBCOMP remain and the message is not sent again).
/// </summary>
public sealed record InflightMessage(ushort PacketId, QueuedMessage Delivery, bool Released);
