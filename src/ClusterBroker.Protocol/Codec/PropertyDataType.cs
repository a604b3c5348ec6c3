namespace ClusterBroker.Protocol.Codec;

/// <summary>The data representations of MQTT 5.0 property values (1.5).</summary>
public enum PropertyDataType : byte
{
    Byte,
    TwoByteInteger,
    FourByteInteger,
    VariableByteInteger,
    Utf8String,
    BinaryData,
    Utf8StringPair,
}
