namespace ClusterBroker.Protocol.Codec;

/// <summary>Outcome of one <see cref="MqttPacketDecoder.Decode"/> call.</summary>
public enum DecodeStatus
{
    /// <summary>The input holds only part of a frame; call again with more bytes.</summary>
    NeedMoreData,

    /// <summary>A whole packet was decoded.</summary>
    Packet,

    /// <summary>The frame breaks the specification; close the connection (answering with the reason code where the version allows).</summary>
    Violation,
}
